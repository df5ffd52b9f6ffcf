// Package cleanlocale stops Fyne from logging "Error parsing user locale C"
// on machines whose locale is C.UTF-8 (containers, CI, fresh Debian): Fyne's
// locale lookup reads LANGUAGE first in that case, so naming English there
// is enough. Go initialises packages in import-path order once their
// dependencies are ready, so this runs before Fyne's lang package, which
// waits on golang.org/x/text. ui imports it for its side effect.
package cleanlocale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "C.") {
			os.Setenv("LANGUAGE", "en")
		}
		return
	}
}
