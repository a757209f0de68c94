// Where the registry lesson explains what each server lab checks; failure messages print these.
#pragma once

namespace lab::registry_server {

inline constexpr const char* kServe =
    "lessons/registry, \"A registry of your own\" (what the server stores: blobs, manifests, tags)";
inline constexpr const char* kPush =
    "lessons/registry, \"A registry of your own\": the HTTP calls of a push (POST, PATCH, PUT ?digest)";
inline constexpr const char* kChunks =
    "lessons/registry, \"A registry of your own\": chunks in order (Content-Range, 416)";
inline constexpr const char* kDigest =
    "lessons/registry, \"A registry of your own\": digests as trust (a wrong digest stores nothing)";
inline constexpr const char* kManifest =
    "lessons/registry, \"A registry of your own\": manifests, byte for byte, named by their digest";
inline constexpr const char* kTags = "lessons/registry, \"A registry of your own\": tags, sorted, page by page (n, last, Link)";
inline constexpr const char* kNames =
    "lessons/registry, \"A registry of your own\": a name is checked before it becomes a path";
inline constexpr const char* kAuth = "lessons/registry, \"A registry of your own\": basic auth with htpasswd";
inline constexpr const char* kStop =
    "lessons/registry, \"A registry of your own\": a clean stop (a half upload never becomes a blob)";

}  // namespace lab::registry_server
