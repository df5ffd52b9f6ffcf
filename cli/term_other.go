//go:build !linux

package cli

import "os"

func isTerminal(*os.File) bool { return false }

func readHidden(f *os.File) ([]byte, error) { return nil, nil }
