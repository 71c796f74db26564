// Images as model inputs: decode (PNG, JPEG, BMP, PPM/PGM via stb_image), resize with a PIL-style
// bilinear (triangle) filter, centre crop, and quantize to the model's input tensor.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/graph.h"
#include "util/status.h"

namespace tinyops {

struct Image {
  int width = 0, height = 0, channels = 0;  // channels 1 or 3
  std::vector<uint8_t> pixels;              // row-major, interleaved
};

Result<Image> load_image(const std::string& path, int channels);
// Separable resize with PIL's BILINEAR semantics (triangle filter widened when downscaling).
Image resize_bilinear(const Image& src, int width, int height);
Image center_crop(const Image& src, int width, int height);

enum class ResizeMode { CropCenter, Stretch };

struct ImagePreprocess {
  ResizeMode mode = ResizeMode::CropCenter;  // short side to size*256/224, then centre crop
  bool normalize = false;                    // when true: real = (pixel - mean) * scale
  float mean = 0.0f;
  float scale = 1.0f;
};

// Produces the raw bytes of `input` (NHWC, int8/uint8/float32) from an image file. Without
// normalization, 8-bit inputs take the pixel value (uint8) or pixel - 128 (int8), the convention
// of the common int8 image models; float32 inputs take pixel / 255.
Result<std::vector<uint8_t>> image_to_input(const std::string& path, const Tensor& input, const ImagePreprocess& pp);

}  // namespace tinyops
