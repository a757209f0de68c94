// The registry client against real peers: Debian's docker-registry as the registry and skopeo as
// the other client, both on loopback. An image skopeo pushed is pulled by pocker and runs; an image
// pocker pushed has the digest skopeo sees; htpasswd basic auth with `pocker login`.
#include <crypt.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "registry/fake_registry.hpp"
#include "registry/hints.hpp"
#include "registry/registry.hpp"

namespace {

using namespace lab::registry;

class RegistryClientTest : public lab::images::ImagesTest {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(lab::images::kHostBusybox)) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
    if (!std::filesystem::exists(kDockerRegistry)) GTEST_SKIP() << "needs docker-registry (Debian package)";
    if (!std::filesystem::exists(kSkopeo)) GTEST_SKIP() << "needs skopeo (Debian package)";
  }

  // Credentials, and docker's config, in files of this test only.
  lab::RunOptions private_auth() const {
    lab::RunOptions o;
    o.env_extra = {"POCKER_AUTH_FILE=" + auth_file(), "DOCKER_CONFIG=" + dir_.path() + "/docker"};
    return o;
  }
  std::string auth_file() const { return dir_.path() + "/auth.json"; }

  // An image with /hello.txt = marker, imported into this test's pocker and pushed by skopeo to
  // `dest` (host/repo:tag).
  void skopeo_pushes(const std::string& marker, const std::string& dest,
                     const std::vector<std::string>& extra = {}) {
    const lab::Outcome imported = import_tree("lab/source:1", marker);
    ASSERT_EQ(imported.status, 0) << lab::describe(imported);
    const lab::Outcome pushed =
        skopeo_push(pocker.root() + "/images/oci", "docker.io/lab/source:1", dest, extra);
    ASSERT_EQ(pushed.status, 0) << lab::describe(pushed);
  }
};

using RegistryClientPull = RegistryClientTest;
using RegistryClientPush = RegistryClientTest;
using RegistryClientAuth = RegistryClientTest;

// Catches: no pull, a manifest not read, layers not unpacked, the name not kept.
TEST_F(RegistryClientPull, SkopeoPushedImageRuns) {
  DockerRegistry registry(dir_.path());
  ASSERT_TRUE(registry.up()) << "docker-registry did not start";
  const std::string marker = "pulled-" + lab::unique_name();
  const std::string ref = registry.host() + "/lab/hello:1";
  skopeo_pushes(marker, ref);
  lab::Pocker other;
  const lab::Outcome pulled = other.run({"--trace", "pull", ref});
  LAB_ASSERT_STATUS(pulled, 0, kPull);
  LAB_EXPECT_OUT_HAS(pulled, "Pull complete", kPull);
  LAB_EXPECT_ERR_HAS(pulled, "HTTP GET http://" + registry.host() + "/v2/lab/hello/manifests/1 = 200", kPull);
  const lab::Outcome run = other.run({"run", "--rm", ref, "/bin/busybox", "cat", "/hello.txt"});
  LAB_EXPECT_STATUS(run, 0, kPull);
  LAB_EXPECT_OUT_EQ(run, marker + "\n", kPull);
  // The same again: every blob is there, nothing is downloaded twice.
  const lab::Outcome again = other.run({"--trace", "pull", ref});
  LAB_EXPECT_STATUS(again, 0, kPull);
  LAB_EXPECT_OUT_HAS(again, "Image is up to date", kPull);
  LAB_EXPECT(again.err.find("/blobs/") == std::string::npos, "no blob GET on a second pull", again, kPull);
}

// Catches: run not pulling a missing image (docker does).
TEST_F(RegistryClientPull, RunPullsMissingImage) {
  DockerRegistry registry(dir_.path());
  ASSERT_TRUE(registry.up());
  const std::string marker = "run-pulls-" + lab::unique_name();
  const std::string ref = registry.host() + "/lab/run:1";
  skopeo_pushes(marker, ref);
  lab::Pocker other;
  const lab::Outcome run = other.run({"run", "--rm", ref, "/bin/busybox", "cat", "/hello.txt"});
  LAB_EXPECT_STATUS(run, 0, kPull);
  LAB_EXPECT_OUT_EQ(run, marker + "\n", kPull);
  LAB_EXPECT_ERR_HAS(run, "Unable to find image", kPull);
}

// Catches: a missing tag not reported, or a failed pull leaving a store behind.
TEST_F(RegistryClientPull, UnknownTagFailsCleanly) {
  DockerRegistry registry(dir_.path());
  ASSERT_TRUE(registry.up());
  const lab::Outcome pulled = pocker.run({"pull", registry.host() + "/lab/nothing:1"});
  LAB_EXPECT_STATUS(pulled, 125, kPull);
  LAB_EXPECT_POCKER_ERROR(pulled, "not found", kPull);
  LAB_EXPECT(blob_names(pocker.root()).empty(), "no blob in the store", pulled, kPull);
}

// Catches: two pulls of one image at once corrupting each other (both must end with the image).
TEST_F(RegistryClientPull, ConcurrentPullsOfOneImage) {
  DockerRegistry registry(dir_.path());
  ASSERT_TRUE(registry.up());
  const std::string marker = "twice-" + lab::unique_name();
  const std::string ref = registry.host() + "/lab/twice:1";
  skopeo_pushes(marker, ref);
  lab::Pocker other;
  lab::Background a(other.command({"pull", ref}));
  lab::Background b(other.command({"pull", ref}));
  const lab::Outcome first = a.wait(), second = b.wait();
  LAB_EXPECT_STATUS(first, 0, kPull);
  LAB_EXPECT_STATUS(second, 0, kPull);
  const lab::Outcome run = other.run({"run", "--rm", ref, "/bin/busybox", "cat", "/hello.txt"});
  LAB_EXPECT_OUT_EQ(run, marker + "\n", kPull);
  LAB_EXPECT(temp_files(other.root()).empty(), "no temporary file left in the store", run, kPull);
}

// Catches: a push whose manifest is not the stored bytes (the digest would differ), or blobs missing.
TEST_F(RegistryClientPush, DigestMatchesSkopeos) {
  DockerRegistry registry(dir_.path());
  ASSERT_TRUE(registry.up());
  const std::string marker = "pushed-" + lab::unique_name();
  ASSERT_EQ(import_tree("lab/pushme:1", marker).status, 0);
  const std::string ref = registry.host() + "/lab/pushed:1";
  ASSERT_EQ(pocker.run({"tag", "lab/pushme:1", ref}).status, 0);
  const lab::Outcome pushed = pocker.run({"--trace", "push", ref});
  LAB_ASSERT_STATUS(pushed, 0, kPush);
  LAB_EXPECT_OUT_HAS(pushed, ": Pushed", kPush);
  LAB_EXPECT_ERR_HAS(pushed, "HTTP PUT http://" + registry.host() + "/v2/lab/pushed/manifests/1 = 201", kPush);
  const std::string digest = skopeo_digest(ref);
  LAB_EXPECT(!digest.empty() && pushed.out.find("digest: " + digest) != std::string::npos,
             "skopeo inspect to report the digest push printed (" + digest + ")", pushed, kPush);
  // Back through skopeo into an OCI layout (as it is: skopeo would compress a plain tar layer):
  // the same manifest digest.
  const std::string back = dir_.path() + "/back";
  const lab::Outcome copied = lab::run({kSkopeo, "copy", "--preserve-digests", "--src-tls-verify=false", "docker://" + ref, "oci:" + back + ":x"});
  LAB_EXPECT_STATUS(copied, 0, kPush);
  LAB_EXPECT(lab::read_file(back + "/index.json").find(digest) != std::string::npos,
             "skopeo's copy to have the same manifest digest", copied, kPush);
  // Once more: the registry has every blob; and to another repository: mounted, not sent.
  const lab::Outcome again = pocker.run({"push", ref});
  LAB_EXPECT_STATUS(again, 0, kPush);
  LAB_EXPECT_OUT_HAS(again, "Layer already exists", kPush);
  LAB_EXPECT_OUT_LACKS(again, ": Pushed", kPush);
  const std::string moved = registry.host() + "/lab/moved:1";
  ASSERT_EQ(pocker.run({"tag", ref, moved}).status, 0);
  const lab::Outcome mounted = pocker.run({"--trace", "push", moved});
  LAB_EXPECT_STATUS(mounted, 0, kPush);
  LAB_EXPECT_OUT_HAS(mounted, "Mounted from lab/pushed", kPush);
  LAB_EXPECT_ERR_HAS(mounted, "&from=lab/pushed = 201", kPush);
  LAB_EXPECT(skopeo_digest(moved) == digest, "the mounted image to have the same digest", mounted, kPush);
}

// Catches: no basic auth, credentials not saved (or saved readable by others), logout not removing.
TEST_F(RegistryClientAuth, HtpasswdLoginPullLogout) {
  const std::string user = "student", password = "s3cret-" + lab::unique_name();
  char* salt = ::crypt_gensalt("$2y$", 5, nullptr, 0);
  ASSERT_NE(salt, nullptr) << "libcrypt has no bcrypt";
  const char* hash = ::crypt(password.c_str(), salt);
  ASSERT_NE(hash, nullptr);
  const std::string htpasswd = dir_.path() + "/htpasswd";
  lab::images::write_file(htpasswd, user + ":" + hash + "\n");
  DockerRegistry registry(dir_.path(), htpasswd);
  ASSERT_TRUE(registry.up());
  const std::string ref = registry.host() + "/lab/secret:1";
  const std::string marker = "secret-" + lab::unique_name();
  skopeo_pushes(marker, ref, {"--dest-creds", user + ":" + password});

  lab::Pocker other;
  const lab::RunOptions env = private_auth();
  const lab::Outcome anonymous = other.run({"pull", ref}, env);
  LAB_EXPECT_STATUS(anonymous, 125, kTokens);
  LAB_EXPECT_POCKER_ERROR(anonymous, "authentication required", kTokens);

  lab::RunOptions wrong = env;
  wrong.input = "not-the-password\n";
  const lab::Outcome refused = other.run({"login", "-u", user, "--password-stdin", registry.host()}, wrong);
  LAB_EXPECT_STATUS(refused, 125, kTokens);
  LAB_EXPECT(!std::filesystem::exists(auth_file()), "no credentials saved after a refused login", refused, kTokens);

  lab::RunOptions right = env;
  right.input = password + "\n";
  const lab::Outcome login = other.run({"login", "-u", user, "--password-stdin", registry.host()}, right);
  LAB_ASSERT_STATUS(login, 0, kTokens);
  LAB_EXPECT_OUT_HAS(login, "Login Succeeded", kTokens);
  struct stat st {};
  LAB_EXPECT(::stat(auth_file().c_str(), &st) == 0 && (st.st_mode & 0777) == 0600,
             "the credentials file to be mode 0600", login, kTokens);
  LAB_EXPECT(lab::read_file(auth_file()).find("\"auths\"") != std::string::npos,
             "docker's config.json format (auths)", login, kTokens);

  const lab::Outcome pulled = other.run({"pull", ref}, env);
  LAB_EXPECT_STATUS(pulled, 0, kTokens);
  const lab::Outcome run = other.run({"run", "--rm", ref, "/bin/busybox", "cat", "/hello.txt"}, env);
  LAB_EXPECT_OUT_EQ(run, marker + "\n", kTokens);

  const lab::Outcome logout = other.run({"logout", registry.host()}, env);
  LAB_EXPECT_STATUS(logout, 0, kTokens);
  LAB_EXPECT(lab::read_file(auth_file()).find(registry.host()) == std::string::npos,
             "logout to remove the registry's entry", logout, kTokens);
  const lab::Outcome after = other.run({"pull", ref}, env);
  LAB_EXPECT_STATUS(after, 125, kTokens);
}

}  // namespace
