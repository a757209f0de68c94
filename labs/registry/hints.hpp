// Where the registry lesson explains what each lab checks; failure messages print these.
#pragma once

namespace lab::registry {

inline constexpr const char* kStores = "lessons/registry step 1 (what a registry stores)";
inline constexpr const char* kPull = "lessons/registry step 2 (the HTTP calls of a pull)";
inline constexpr const char* kPush = "lessons/registry step 3 (the HTTP calls of a push)";
inline constexpr const char* kTrust = "lessons/registry step 4 (digests as trust)";
inline constexpr const char* kTokens = "lessons/registry step 5 (tokens and logins)";
inline constexpr const char* kFaults = "lessons/registry step 6 (when the network fails)";

}  // namespace lab::registry
