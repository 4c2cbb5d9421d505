// Package testshared finds the files under ../shared (datasets, the Mastodon
// OpenAPI description) that some tests read. A fresh clone does not have that
// directory: tests then skip with a clear message, unless PARVIS_REQUIRE_SHARED
// is set (CI sets it), in which case they fail, so that CI cannot pass by
// skipping them.
package testshared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared directory, or "" when it cannot be found. The
// PARVIS_SHARED_DIR variable overrides the search; otherwise it is the
// directory "shared" beside the module root.
func Dir() string {
	if d := os.Getenv("PARVIS_SHARED_DIR"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(filepath.Dir(dir), "shared")
			if fi, err := os.Stat(shared); err == nil && fi.IsDir() {
				return shared
			}
			return ""
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// Path returns the path of rel inside the shared directory. When the file is
// missing the test is skipped, or fails when PARVIS_REQUIRE_SHARED is set.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	dir := Dir()
	if dir != "" {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := "shared file " + rel + " not found (expected in ../shared beside the repository, or PARVIS_SHARED_DIR)"
	if os.Getenv("PARVIS_REQUIRE_SHARED") != "" {
		tb.Fatalf("%s; PARVIS_REQUIRE_SHARED is set, so this is a failure", msg)
	}
	tb.Skip("skipping: " + msg)
	return ""
}
