// JNI functions that DJL 0.36's PyTorchLibrary declares but that none of the DJL source versions listed
// in ../djl-sources.tsv defines. build-jni.sh compiles this file together with those sources, so the
// rebuilt libdjl_torch.so exports all 265 native methods. Each function makes the libtorch call that
// DJL 0.36's prebuilt library makes (read from its machine code) and returns what its Java caller in
// JniUtils expects. The one exception is torchPad, which calls constant_pad_nd directly, where DJL
// calls pad in constant mode, which calls constant_pad_nd in turn.
//
// This is PKE Workbench code, not DJL code. No DJL source file may define these functions too.

#include <torch/script.h>
#include <torch/torch.h>

// NOTE: the USE_CUDA branches compile against the headers of Python torch 2.14.1 for CUDA 13.0, but no
// GPU has run them yet.
#ifdef USE_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include <string>
#include <utility>
#include <vector>

#include "ai_djl_pytorch_jni_PyTorchLibrary.h"
#include "ai_djl_pytorch_jni_cache.h"
#include "djl_pytorch_jni_log.h"
#include "djl_pytorch_utils.h"

namespace {

// Reports an exception to Java as ai.djl.engine.EngineException, as DJL's own functions do. The full
// message with the C++ backtrace goes to the debug log and the short message into the exception.
void ThrowEngineException(JNIEnv* env, const c10::Error& error) {
  Log log(env);
  log.debug(error.what());
  env->ThrowNew(ENGINE_EXCEPTION_CLASS, error.what_without_backtrace());
}

void ThrowEngineException(JNIEnv* env, const std::exception& error) {
  env->ThrowNew(ENGINE_EXCEPTION_CLASS, error.what());
}

// Runs body and returns its result. When body throws, it leaves a pending Java exception and returns
// on_error, a value that the Java side never reads because the exception is thrown first.
template <typename Result, typename Body>
Result CallOrThrowToJava(JNIEnv* env, Result on_error, Body body) {
  try {
    return body();
  } catch (const c10::Error& error) {
    ThrowEngineException(env, error);
  } catch (const std::exception& error) {
    ThrowEngineException(env, error);
  }
  return on_error;
}

template <typename Body>
void RunOrThrowToJava(JNIEnv* env, Body body) {
  try {
    body();
  } catch (const c10::Error& error) {
    ThrowEngineException(env, error);
  } catch (const std::exception& error) {
    ThrowEngineException(env, error);
  }
}

const torch::Tensor& TensorOf(jlong handle) {
  return *reinterpret_cast<const torch::Tensor*>(handle);
}

// Moves the tensor to the heap and returns its address, which the Java side owns from then on and
// frees with torchDeleteTensor.
jlong ToHandle(torch::Tensor tensor) {
  return reinterpret_cast<jlong>(new torch::Tensor(std::move(tensor)));
}

// Returns the tensors as a Java long[] of handles, or nullptr with a pending OutOfMemoryError.
jlongArray ToHandleArray(JNIEnv* env, std::vector<torch::Tensor> tensors) {
  const auto count = static_cast<jsize>(tensors.size());
  jlongArray handles = env->NewLongArray(count);
  if (handles == nullptr) {
    return nullptr;
  }
  std::vector<jlong> addresses;
  addresses.reserve(tensors.size());
  for (auto& tensor : tensors) {
    addresses.push_back(ToHandle(std::move(tensor)));
  }
  env->SetLongArrayRegion(handles, 0, count, addresses.data());
  return handles;
}

}  // namespace

// Tensor reductions and views.

JNIEXPORT jlongArray JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchTopK(
    JNIEnv* env, jobject, jlong jhandle, jlong jk, jlong jaxis, jboolean jlargest, jboolean jsorted) {
  return CallOrThrowToJava<jlongArray>(env, nullptr, [&] {
    auto [values, indices] = TensorOf(jhandle).topk(jk, jaxis, jlargest == JNI_TRUE, jsorted == JNI_TRUE);
    // JniUtils.topK reads the values first and the indices second.
    return ToHandleArray(env, {std::move(values), std::move(indices)});
  });
}

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchDiagonal(
    JNIEnv* env, jobject, jlong jhandle, jlong joffset, jlong jaxis1, jlong jaxis2) {
  return CallOrThrowToJava<jlong>(
      env, 0, [&] { return ToHandle(TensorOf(jhandle).diagonal(joffset, jaxis1, jaxis2)); });
}

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_conj(JNIEnv* env, jobject, jlong jhandle) {
  return CallOrThrowToJava<jlong>(env, 0, [&] { return ToHandle(torch::conj(TensorOf(jhandle))); });
}

// Fourier transforms. DJL's NDArray API takes the signal length as a required argument, so these
// functions always pass it on and never use libtorch's default length.

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchIfft(
    JNIEnv* env, jobject, jlong jhandle, jlong jlength, jlong jaxis) {
  return CallOrThrowToJava<jlong>(
      env, 0, [&] { return ToHandle(torch::fft::ifft(TensorOf(jhandle), jlength, jaxis)); });
}

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchRfft(
    JNIEnv* env, jobject, jlong jhandle, jlong jlength, jlong jaxis) {
  return CallOrThrowToJava<jlong>(
      env, 0, [&] { return ToHandle(torch::fft::rfft(TensorOf(jhandle), jlength, jaxis)); });
}

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchIrfft(
    JNIEnv* env, jobject, jlong jhandle, jlong jlength, jlong jaxis) {
  return CallOrThrowToJava<jlong>(
      env, 0, [&] { return ToHandle(torch::fft::irfft(TensorOf(jhandle), jlength, jaxis)); });
}

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchFft2(
    JNIEnv* env, jobject, jlong jhandle, jlongArray jsizes, jlongArray jaxes) {
  return CallOrThrowToJava<jlong>(env, 0, [&] {
    const std::vector<int64_t> sizes = djl::utils::jni::GetVecFromJLongArray(env, jsizes);
    const std::vector<int64_t> axes = djl::utils::jni::GetVecFromJLongArray(env, jaxes);
    return ToHandle(torch::fft::fft2(TensorOf(jhandle), sizes, axes));
  });
}

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchIfft2(
    JNIEnv* env, jobject, jlong jhandle, jlongArray jsizes, jlongArray jaxes) {
  return CallOrThrowToJava<jlong>(env, 0, [&] {
    const std::vector<int64_t> sizes = djl::utils::jni::GetVecFromJLongArray(env, jsizes);
    const std::vector<int64_t> axes = djl::utils::jni::GetVecFromJLongArray(env, jaxes);
    return ToHandle(torch::fft::ifft2(TensorOf(jhandle), sizes, axes));
  });
}

// Neural network functions.

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchPad(
    JNIEnv* env, jobject, jlong jhandle, jlongArray jpadding, jdouble jvalue) {
  return CallOrThrowToJava<jlong>(env, 0, [&] {
    // The padding lists (before, after) pairs starting from the last dimension, as in
    // torch.nn.functional.pad.
    const std::vector<int64_t> padding = djl::utils::jni::GetVecFromJLongArray(env, jpadding);
    return ToHandle(torch::constant_pad_nd(TensorOf(jhandle), padding, jvalue));
  });
}

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchNNNormalize(
    JNIEnv* env, jobject, jlong jhandle, jdouble jp, jlong jdim, jdouble jeps) {
  return CallOrThrowToJava<jlong>(env, 0, [&] {
    const auto options = torch::nn::functional::NormalizeFuncOptions().p(jp).dim(jdim).eps(jeps);
    return ToHandle(torch::nn::functional::normalize(TensorOf(jhandle), options));
  });
}

// TorchScript modules.

JNIEXPORT jlong JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_moduleRunMethod(JNIEnv* env, jobject,
    jlong jmodule, jstring jmethod, jlongArray jinputs, jboolean jis_train, jboolean jseparate_cuda_stream) {
  return CallOrThrowToJava<jlong>(env, 0, [&] {
    auto& module = *reinterpret_cast<torch::jit::Module*>(jmodule);
    const std::string method_name = djl::utils::jni::GetStringFromJString(env, jmethod);
    const std::vector<torch::IValue> inputs =
        djl::utils::jni::GetObjectVecFromJHandles<torch::IValue>(env, jinputs);
    torch::jit::Method method = module.get_method(method_name);

    if (jis_train == JNI_TRUE) {
      return reinterpret_cast<jlong>(new torch::IValue(method(inputs)));
    }
    // Inference runs without autograd bookkeeping, as DJL's own inference functions do.
    c10::InferenceMode inference_mode;
#ifdef USE_CUDA
    // IValueUtils requests a separate CUDA stream when the system property
    // ai.djl.pytorch.enable_cuda_stream is true. DJL 0.36's CUDA build then takes a stream from the
    // pool, and so does this one.
    if (jseparate_cuda_stream == JNI_TRUE && torch::cuda::is_available()) {
      c10::cuda::CUDAStreamGuard stream_guard(c10::cuda::getStreamFromPool());
      return reinterpret_cast<jlong>(new torch::IValue(method(inputs)));
    }
#endif
    return reinterpret_cast<jlong>(new torch::IValue(method(inputs)));
  });
}

JNIEXPORT jobjectArray JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_moduleGetMethodNames(
    JNIEnv* env, jobject, jlong jmodule) {
  return CallOrThrowToJava<jobjectArray>(env, nullptr, [&] {
    const auto& module = *reinterpret_cast<const torch::jit::Module*>(jmodule);
    std::vector<std::string> names;
    for (const auto& method : module.get_methods()) {
      names.push_back(method.name());
    }
    return djl::utils::jni::GetStringArrayFromVec(env, names);
  });
}

// System functions.

JNIEXPORT void JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchCudaEmptyCache(JNIEnv* env, jobject) {
  RunOrThrowToJava(env, [&] {
#ifdef USE_CUDA
    if (torch::cuda::is_available()) {
      c10::cuda::CUDACachingAllocator::emptyCache();
    }
#endif
    // A CPU build has no CUDA cache, so there is nothing to release.
  });
}
