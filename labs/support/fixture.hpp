// The fixture every lab test can use: a pocker with a private state root, cleaned up afterwards.
//   using Lv0Exit = lab::LabTest;
//   TEST_F(Lv0Exit, PassesStatus42) { auto outcome = pocker.run({"run", "busybox", "false"}); ... }
#pragma once

#include <gtest/gtest.h>

#include "support/pocker.hpp"

namespace lab {

class LabTest : public ::testing::Test {
 protected:
  Pocker pocker;
};

}  // namespace lab
