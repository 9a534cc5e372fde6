#include "zoo_blocks.h"

#include <string>

namespace dwvp::networks::zoo {

// ---------------------------------------------------------------------------------
// MobileNet-v1 1.0 (Howard et al. 2017, Table 1). ReLU6 as in the TF reference.
void mobilenet_v1(maker& m) {
  int x = m.conv("conv1", -1, 32, 3, 2, k_relu6);
  const int cfg[13][2] = {{64, 1},  {128, 2},  {128, 1}, {256, 2}, {256, 1},
                          {512, 2}, {512, 1},  {512, 1}, {512, 1}, {512, 1},
                          {512, 1}, {1024, 2}, {1024, 1}};
  int i = 1;
  for (const auto& c : cfg) {
    const std::string b = block_name(i++);
    x = m.depthwise(b + "_dw", x, 3, c[1], k_relu6);
    x = m.pointwise(b + "_pw", x, c[0], k_relu6);
  }
  x = m.global_pool("pool", x);
  m.fc("fc", x, 1000, k_none);
}

// ---------------------------------------------------------------------------------
// MobileNet-v2 1.0 (Sandler et al. 2018, Table 2): inverted residuals, linear
// bottlenecks, residual ADD when stride 1 and in == out; the t = 1 block has no
// expansion layer (as in the TF reference).
void mobilenet_v2(maker& m) {
  int x = m.conv("conv1", -1, 32, 3, 2, k_relu6);
  const int cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                         {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int in_c = 32, i = 1;
  for (const auto& c : cfg) {
    for (int r = 0; r < c[2]; ++r) {
      const std::string b = block_name(i++);
      const int stride = r == 0 ? c[3] : 1;
      int y = x;
      if (c[0] != 1)
        y = m.pointwise(b + "_expand", y, in_c * c[0], k_relu6);
      y = m.depthwise(b + "_dw", y, 3, stride, k_relu6);
      y = m.pointwise(b + "_project", y, c[1], k_none);
      if (stride == 1 && in_c == c[1])
        y = m.add(b + "_add", y, x);
      x = y;
      in_c = c[1];
    }
  }
  x = m.pointwise("conv_last", x, 1280, k_relu6);
  x = m.global_pool("pool", x);
  m.fc("fc", x, 1000, k_none);
}

} // namespace dwvp::networks::zoo
