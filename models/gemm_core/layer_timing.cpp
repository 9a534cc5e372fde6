#include "layer_timing.h"

#include "fuse_paper_timing.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dwvp::timing {
namespace {

const char* mapping_name(unsigned m) {
  static const char* const names[DWVP_MAP_COUNT] = {"default", "gemm_naive", "vector",
                                                    "channel_mvm"};
  return m < DWVP_MAP_COUNT ? names[m] : "unknown";
}

const char* dataflow_name(unsigned df) {
  static const char* const names[DWVP_DF_COUNT] = {"os", "ws", "st_os"};
  return df < DWVP_DF_COUNT ? names[df] : "unknown";
}

[[noreturn]] void no_timing(const dwvp_desc& d, const std::string& what) {
  throw std::invalid_argument(
      "layer timing (layer " + std::to_string(d.layer_id) + ", opcode " +
      opcode_name(d.opcode) + " = " + std::to_string(d.opcode) + ", mapping " +
      mapping_name(d.mapping) + " = " + std::to_string(d.mapping) + ", dataflow " +
      dataflow_name(d.dataflow) + " = " + std::to_string(d.dataflow) + "): " + what);
}

void require_dim(const dwvp_desc& d, int64_t value, const char* field) {
  if (value < 1) {
    no_timing(d, std::string(field) + " must be >= 1, got " + std::to_string(value));
  }
}

void require_config(int64_t value, int64_t min, const char* field) {
  if (value < min) {
    throw std::invalid_argument(std::string("layer timing: compute_config.") + field +
                                " must be >= " + std::to_string(min) + ", got " +
                                std::to_string(value));
  }
}

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

uint64_t u64(int64_t v) {
  return static_cast<uint64_t>(v);
}

bool is_depthwise(unsigned op) {
  return op == DWVP_OP_DEPTHWISE || op == DWVP_OP_DW_1XK || op == DWVP_OP_DW_KX1;
}

double gemm_utilization(uint64_t macs, uint64_t cycles, const compute_config& cfg) {
  return static_cast<double>(macs) /
         (static_cast<double>(cycles) * static_cast<double>(cfg.array.rows) *
          static_cast<double>(cfg.array.cols));
}

// The os | ws dataflow of a GEMM-core layer.
gemm::dataflow gemm_dataflow(const dwvp_desc& d) {
  if (d.dataflow == DWVP_DF_OS) {
    return gemm::dataflow::os;
  }
  if (d.dataflow == DWVP_DF_WS) {
    return gemm::dataflow::ws;
  }
  if (d.dataflow == DWVP_DF_ST_OS) {
    no_timing(d, "dataflow st_os applies to opcodes dw_1xk and dw_kx1 only");
  }
  no_timing(d, "unknown dataflow");
}

// `repeats` identical GEMMs run back to back on the array as one chain of folds: under
// the pipelined schedule each GEMM's first fold overlaps the previous one's drain.
compute_timing gemm_layer(const gemm::gemm_shape& shape, gemm::dataflow df,
                          uint64_t repeats, const compute_config& cfg) {
  const gemm::gemm_timing g = gemm::systolic_gemm(shape, cfg.array, df, cfg.gemm_options);
  compute_timing t;
  t.unit = engine::gemm;
  t.cycles = gemm::chain_cycles(g, repeats);
  t.macs = repeats * g.macs;
  t.folds = repeats * g.folds;
  t.utilization = gemm_utilization(t.macs, t.cycles, cfg);
  const bool overlaps = cfg.gemm_options.sched == gemm::schedule::pipelined;
  t.lead = overlaps ? g.lead : t.cycles;
  t.tail = g.tail;
  return t;
}

uint64_t ppu_cycles(uint64_t elements, const compute_config& cfg) {
  return ceil_div(elements, u64(cfg.ppu_lanes));
}

compute_timing depthwise_layer(const dwvp_desc& d, const compute_config& cfg) {
  const int64_t channels = d.out_c;
  const int64_t pixels = int64_t{d.out_h} * d.out_w;
  const int64_t taps = int64_t{d.kernel_h} * d.kernel_w;

  if (d.dataflow == DWVP_DF_ST_OS) {
    if (d.opcode != DWVP_OP_DW_1XK && d.opcode != DWVP_OP_DW_KX1) {
      no_timing(d, "dataflow st_os applies to opcodes dw_1xk and dw_kx1 only");
    }
    if (d.mapping != DWVP_MAP_DEFAULT) {
      no_timing(d, "dataflow st_os runs the 1D convolutions itself: mapping must be "
                   "default");
    }
    // 1xK: every output row of every channel is a 1D convolution along the row;
    // Kx1: every output column of every channel, along the column.
    const bool row_filter = d.opcode == DWVP_OP_DW_1XK;
    if (row_filter && d.kernel_h != 1) {
      no_timing(d, "dw_1xk needs kernel_h = 1, got " + std::to_string(d.kernel_h));
    }
    if (!row_filter && d.kernel_w != 1) {
      no_timing(d, "dw_kx1 needs kernel_w = 1, got " + std::to_string(d.kernel_w));
    }
    const int64_t convs = channels * (row_filter ? d.out_h : d.out_w);
    const int64_t outputs = row_filter ? d.out_w : d.out_h;
    const int k = row_filter ? d.kernel_w : d.kernel_h;
    const bool full_folds = cfg.gemm_options.sched == gemm::schedule::scalesim;
    compute_timing t;
    t.unit = engine::gemm;
    t.cycles = st_os_cycles(convs, outputs, k, cfg.array, full_folds);
    t.macs = u64(convs) * u64(outputs) * u64(k);
    t.folds = ceil_div(u64(convs), u64(cfg.array.rows)) *
              ceil_div(u64(outputs), u64(cfg.array.cols));
    t.utilization = gemm_utilization(t.macs, t.cycles, cfg);
    // The drain overlaps the next fold in every schedule but scalesim's accounting;
    // the next tile's first (narrow) fold may overlap this tile's last drain.
    const uint64_t cols = u64(cfg.array.cols);
    const uint64_t narrow = u64(outputs) % cols;
    t.tail = full_folds ? 0 : std::min(u64(outputs), cols);
    t.lead =
        full_folds ? t.cycles : (narrow ? narrow : std::min(u64(outputs), cols)) + u64(k);
    return t;
  }

  switch (d.mapping) {
  case DWVP_MAP_DEFAULT:
  case DWVP_MAP_GEMM_NAIVE:
    // One GEMM per channel with its single filter: M = pixels, N = 1, K = taps.
    return gemm_layer({pixels, 1, taps}, gemm_dataflow(d), u64(channels), cfg);
  case DWVP_MAP_VECTOR: {
    gemm_dataflow(d); // refuses st_os / unknown; os and ws do not apply
    compute_timing t;
    t.unit = engine::vector;
    t.macs = u64(channels) * u64(pixels) * u64(taps);
    // Per output pixel a lane runs a chain of taps + R dependent instructions, I
    // cycles apart; the next pixel's first MAC is independent and issues one cycle
    // after the chain's last instruction.
    const uint64_t chain = u64(taps) + u64(cfg.vector_requant_ops);
    const uint64_t per_pixel = (chain - 1) * u64(cfg.vector_issue_interval) + 1;
    t.cycles = ceil_div(u64(channels), u64(cfg.vector_lanes)) * u64(pixels) * per_pixel +
               u64(cfg.vector_pipeline);
    t.utilization = static_cast<double>(t.macs) / (static_cast<double>(t.cycles) *
                                                   static_cast<double>(cfg.vector_lanes));
    t.lead = t.cycles;
    return t;
  }
  case DWVP_MAP_CHANNEL_MVM:
    // Weight stationary by construction (taps on rows, channels on columns, pixels
    // streamed); the descriptor's os | ws does not change it.
    gemm_dataflow(d);
    return gemm_layer({pixels, channels, taps}, gemm::dataflow::ws, 1, cfg);
  default:
    no_timing(d, "unknown mapping");
  }
}

} // namespace

const char* engine_name(engine e) {
  switch (e) {
  case engine::gemm:
    return "gemm";
  case engine::vector:
    return "vector";
  case engine::ppu:
    return "ppu";
  }
  return "unknown";
}

const char* timing_model_name(timing_model m) {
  return m == timing_model::fuse_paper ? "fuse_paper" : "physical";
}

bool parse_timing_model(const std::string& name, timing_model& out) {
  if (name == "physical" || name == "fuse_paper") {
    out = name == "physical" ? timing_model::physical : timing_model::fuse_paper;
    return true;
  }
  return false;
}

uint64_t st_os_cycles(int64_t convs, int64_t outputs, int k,
                      const gemm::array_dims& array, bool full_folds) {
  if (convs < 1 || outputs < 1 || k < 1 || array.rows < 1 || array.cols < 1) {
    throw std::invalid_argument(
        "st_os timing: convs, outputs, k, array rows and cols must be >= 1, got convs " +
        std::to_string(convs) + ", outputs " + std::to_string(outputs) + ", k " +
        std::to_string(k) + ", array " + std::to_string(array.rows) + "x" +
        std::to_string(array.cols));
  }
  const uint64_t row_folds = ceil_div(u64(convs), u64(array.rows));
  const uint64_t col_folds = ceil_div(u64(outputs), u64(array.cols));
  const auto cols = u64(array.cols);
  if (full_folds) {
    // Every fold charged as C + K, and the last drain as C.
    return row_folds * col_folds * (cols + u64(k)) + cols;
  }
  // Per row fold the column folds' widths sum to `outputs`; each fold adds K. The
  // last fold (a full-width one: the narrow fold runs first) drains min(outputs, C).
  return row_folds * (u64(outputs) + col_folds * u64(k)) + std::min(u64(outputs), cols);
}

compute_timing layer_compute(const dwvp_desc& d, const compute_config& cfg) {
  require_config(cfg.array.rows, 1, "array.rows");
  require_config(cfg.array.cols, 1, "array.cols");
  require_config(cfg.vector_lanes, 1, "vector_lanes");
  require_config(cfg.vector_pipeline, 0, "vector_pipeline");
  require_config(cfg.vector_issue_interval, 1, "vector_issue_interval");
  require_config(cfg.vector_requant_ops, 0, "vector_requant_ops");
  require_config(cfg.ppu_lanes, 1, "ppu_lanes");
  if (d.mapping >= DWVP_MAP_COUNT) {
    no_timing(d, "unknown mapping");
  }
  if (d.dataflow >= DWVP_DF_COUNT) {
    no_timing(d, "unknown dataflow");
  }
  if (d.mapping != DWVP_MAP_DEFAULT && !is_depthwise(d.opcode)) {
    no_timing(d, "mapping applies to opcodes depthwise, dw_1xk and dw_kx1 only");
  }
  require_dim(d, d.out_h, "out_h");
  require_dim(d, d.out_w, "out_w");
  require_dim(d, d.out_c, "out_c");
  if (cfg.model == timing_model::fuse_paper) {
    return fuse_paper_compute(d, cfg);
  }

  const int64_t pixels = int64_t{d.out_h} * d.out_w;
  const uint64_t outputs = u64(pixels) * d.out_c;
  compute_timing t;
  switch (d.opcode) {
  case DWVP_OP_CONV2D:
    require_dim(d, d.in_c, "in_c");
    require_dim(d, d.kernel_h, "kernel_h");
    require_dim(d, d.kernel_w, "kernel_w");
    t = gemm_layer({pixels, d.out_c, int64_t{d.kernel_h} * d.kernel_w * d.in_c},
                   gemm_dataflow(d), 1, cfg);
    break;
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    require_dim(d, d.in_c, "in_c");
    t = gemm_layer({pixels, d.out_c, d.in_c}, gemm_dataflow(d), 1, cfg);
    break;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    require_dim(d, d.kernel_h, "kernel_h");
    require_dim(d, d.kernel_w, "kernel_w");
    t = depthwise_layer(d, cfg);
    break;
  case DWVP_OP_ADD:
  case DWVP_OP_CHANNEL_MUL:
  case DWVP_OP_AVG_POOL: {
    if (d.dataflow == DWVP_DF_ST_OS) {
      no_timing(d, "dataflow st_os applies to opcodes dw_1xk and dw_kx1 only");
    }
    uint64_t elements = outputs;
    if (d.opcode == DWVP_OP_AVG_POOL) {
      require_dim(d, d.kernel_h, "kernel_h");
      require_dim(d, d.kernel_w, "kernel_w");
      elements *= u64(d.kernel_h) * d.kernel_w;
    }
    t.unit = engine::ppu;
    t.cycles = ppu_cycles(elements, cfg);
    t.ppu_cycles = t.cycles;
    t.lead = t.cycles;
    return t;
  }
  default:
    no_timing(d, "unknown opcode");
  }
  // Requantisation of every output through the PPU as the outputs drain, unless the
  // vector unit requantises itself.
  const bool self_requant = t.unit == engine::vector && cfg.vector_requant_ops > 0;
  t.ppu_cycles = self_requant ? 0 : ppu_cycles(outputs, cfg);
  return t;
}

const char* opcode_name(unsigned op) {
  switch (op) {
  case DWVP_OP_CONV2D:
    return "conv2d";
  case DWVP_OP_DEPTHWISE:
    return "depthwise";
  case DWVP_OP_DW_1XK:
    return "dw_1xk";
  case DWVP_OP_DW_KX1:
    return "dw_kx1";
  case DWVP_OP_POINTWISE:
    return "pointwise";
  case DWVP_OP_FC:
    return "fc";
  case DWVP_OP_ADD:
    return "add";
  case DWVP_OP_AVG_POOL:
    return "avg_pool";
  case DWVP_OP_CHANNEL_MUL:
    return "channel_mul";
  default:
    return "unknown";
  }
}

} // namespace dwvp::timing
