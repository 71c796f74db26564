#include "util/image.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace tinyops {

Result<Image> load_image(const std::string& path, int channels) {
  int w = 0, h = 0, n = 0;
  unsigned char* data = stbi_load(path.c_str(), &w, &h, &n, channels);
  if (!data) return Error{fmt::format("cannot decode image '{}': {}", path, stbi_failure_reason())};
  Image img;
  img.width = w;
  img.height = h;
  img.channels = channels;
  img.pixels.assign(data, data + static_cast<size_t>(w) * h * channels);
  stbi_image_free(data);
  return img;
}

namespace {
// One-dimensional resampling weights of PIL's bilinear filter: for output index i, a window of input
// indices [first, first+count) with normalised weights.
struct Taps {
  std::vector<int> first, count;
  std::vector<double> weights;  // count entries per output, padded to max_count
  int max_count = 0;
};

Taps make_taps(int in_size, int out_size) {
  Taps t;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = 1.0 * filter_scale;  // triangle filter has support 1
  t.max_count = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(static_cast<size_t>(out_size));
  t.count.resize(static_cast<size_t>(out_size));
  t.weights.assign(static_cast<size_t>(out_size) * static_cast<size_t>(t.max_count), 0.0);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    int lo = static_cast<int>(center - support + 0.5);
    int hi = static_cast<int>(center + support + 0.5);
    lo = std::max(lo, 0);
    hi = std::min(hi, in_size);
    double total = 0;
    double* w = &t.weights[static_cast<size_t>(i) * static_cast<size_t>(t.max_count)];
    for (int j = lo; j < hi; ++j) {
      double x = (j - center + 0.5) / filter_scale;
      double v = std::max(0.0, 1.0 - std::fabs(x));
      w[j - lo] = v;
      total += v;
    }
    if (total > 0)
      for (int j = 0; j < hi - lo; ++j) w[j] /= total;
    t.first[static_cast<size_t>(i)] = lo;
    t.count[static_cast<size_t>(i)] = hi - lo;
  }
  return t;
}

uint8_t clip8(double v) { return static_cast<uint8_t>(std::clamp(std::floor(v + 0.5), 0.0, 255.0)); }
}  // namespace

Image resize_bilinear(const Image& src, int width, int height) {
  const int c = src.channels;
  // Horizontal pass, then vertical (each rounded to 8 bits, as PIL does).
  Image tmp{width, src.height, c, std::vector<uint8_t>(static_cast<size_t>(width) * src.height * c)};
  Taps tx = make_taps(src.width, width);
  for (int y = 0; y < src.height; ++y)
    for (int x = 0; x < width; ++x)
      for (int k = 0; k < c; ++k) {
        double acc = 0;
        const double* w = &tx.weights[static_cast<size_t>(x) * static_cast<size_t>(tx.max_count)];
        for (int j = 0; j < tx.count[static_cast<size_t>(x)]; ++j)
          acc += w[j] * src.pixels[(static_cast<size_t>(y) * src.width + tx.first[static_cast<size_t>(x)] + j) * c + k];
        tmp.pixels[(static_cast<size_t>(y) * width + x) * c + k] = clip8(acc);
      }
  Image out{width, height, c, std::vector<uint8_t>(static_cast<size_t>(width) * height * c)};
  Taps ty = make_taps(src.height, height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int k = 0; k < c; ++k) {
        double acc = 0;
        const double* w = &ty.weights[static_cast<size_t>(y) * static_cast<size_t>(ty.max_count)];
        for (int j = 0; j < ty.count[static_cast<size_t>(y)]; ++j)
          acc += w[j] * tmp.pixels[(static_cast<size_t>(ty.first[static_cast<size_t>(y)] + j) * width + x) * c + k];
        out.pixels[(static_cast<size_t>(y) * width + x) * c + k] = clip8(acc);
      }
  return out;
}

Image center_crop(const Image& src, int width, int height) {
  // torchvision CenterCrop rounding: left = round((W - w) / 2).
  const int left = static_cast<int>(std::lround((src.width - width) / 2.0));
  const int top = static_cast<int>(std::lround((src.height - height) / 2.0));
  Image out{width, height, src.channels, std::vector<uint8_t>(static_cast<size_t>(width) * height * src.channels)};
  for (int y = 0; y < height; ++y)
    std::memcpy(&out.pixels[static_cast<size_t>(y) * width * src.channels],
                &src.pixels[(static_cast<size_t>(y + top) * src.width + left) * src.channels],
                static_cast<size_t>(width) * src.channels);
  return out;
}

Result<std::vector<uint8_t>> image_to_input(const std::string& path, const Tensor& input, const ImagePreprocess& pp) {
  if (input.rank() != 4)
    return Error{fmt::format("model input '{}' has shape [{}], not an NHWC image", input.name,
                             fmt::join(input.shape, ","))};
  const int h = input.dim(1), w = input.dim(2), c = input.dim(3);
  if (c != 1 && c != 3)
    return Error{fmt::format("model input '{}' has {} channels; images need 1 or 3", input.name, c)};
  auto img = load_image(path, c);
  if (!img.ok()) return img.error();
  Image im = std::move(img.value());
  if (pp.mode == ResizeMode::Stretch) {
    im = resize_bilinear(im, w, h);
  } else {
    // Resize the short side to size*256/224 (the usual ImageNet evaluation), then centre crop.
    const int target = static_cast<int>(std::min(h, w) * 256 / 224);
    int rw, rh;
    if (im.width <= im.height) {
      rw = target;
      rh = static_cast<int>(static_cast<int64_t>(target) * im.height / im.width);
    } else {
      rh = target;
      rw = static_cast<int>(static_cast<int64_t>(target) * im.width / im.height);
    }
    im = center_crop(resize_bilinear(im, std::max(rw, w), std::max(rh, h)), w, h);
  }
  std::vector<uint8_t> out(input.bytes());
  const size_t n = im.pixels.size();
  const float scale = input.quant.scale();
  const int32_t zp = input.quant.zero_point();
  for (size_t i = 0; i < n; ++i) {
    const float px = im.pixels[i];
    if (input.dtype == DType::Float32) {
      float v = pp.normalize ? (px - pp.mean) * pp.scale : px / 255.0f;
      std::memcpy(&out[i * 4], &v, 4);
    } else if (input.dtype == DType::UInt8 || input.dtype == DType::Int8) {
      int32_t q;
      if (pp.normalize) {
        if (!(scale > 0)) return Error{fmt::format("model input '{}' has no quantization scale", input.name)};
        q = static_cast<int32_t>(std::lround((px - pp.mean) * pp.scale / scale)) + zp;
      } else {
        q = input.dtype == DType::UInt8 ? static_cast<int32_t>(px) : static_cast<int32_t>(px) - 128;
      }
      if (input.dtype == DType::UInt8)
        out[i] = static_cast<uint8_t>(std::clamp(q, 0, 255));
      else
        out[i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(q, -128, 127)));
    } else {
      return Error{fmt::format("model input '{}' has dtype {}; images feed int8, uint8 or float32 inputs",
                               input.name, dtype_name(input.dtype))};
    }
  }
  return out;
}

}  // namespace tinyops
