//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import (
	"errors"
	"os"
)

// makeRaw is not available here: the shell reads plain lines.
func makeRaw(*os.File) (func(), error) {
	return nil, errors.New("line editing is not supported on this system")
}
