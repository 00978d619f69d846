#pragma once
#include <cstddef>
#include <cstdint>

namespace skaccel {

// CRC-32C (Castagnoli), as in iSCSI/ext4: hardware instructions where the CPU has them.
// `crc` continues a previous value (0 to start).
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace skaccel
