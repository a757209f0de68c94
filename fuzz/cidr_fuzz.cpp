// parse_cidr(), parse_subnet() and parse_ipv4() (ipv4.hpp): `--subnet`,
// `--ip` and `--gateway` values, and the names of lease files. The parser
// accepts only the canonical form, so whatever it accepts must print back
// as exactly the input, and a subnet must be its own network address.
#include "fuzz.hpp"
#include "pocker/ipv4.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = pocker::fuzz::as_text(data, size);
  if (auto cidr = pocker::parse_cidr(text)) {
    FUZZ_CHECK(pocker::to_string(cidr.value()) == text);
    FUZZ_CHECK(cidr.value().prefix >= 0 && cidr.value().prefix <= 32);
    FUZZ_CHECK(cidr.value().contains(cidr.value().address));
    FUZZ_CHECK(cidr.value().network() <= cidr.value().broadcast());
    auto subnet = pocker::parse_subnet(text);
    FUZZ_CHECK(subnet.ok() == (cidr.value().address == cidr.value().network()));
  } else {
    FUZZ_CHECK(!pocker::parse_subnet(text));
  }
  if (auto ip = pocker::parse_ipv4(text)) FUZZ_CHECK(pocker::to_string(ip.value()) == text);
  return 0;
}
