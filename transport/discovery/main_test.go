package discovery

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The network-namespace test re-runs this binary inside a namespace as
	// a helper process; that run does its job and exits.
	if os.Getenv(helperEnv) != "" {
		os.Exit(netnsHelperMain())
	}
	goleak.VerifyTestMain(m)
}
