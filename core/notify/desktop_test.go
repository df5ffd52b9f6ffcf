package notify

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEscapeMarkupShowsTextAsWritten(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"Tom & Jerry", "Tom &amp; Jerry"},
		{"<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"},
		{`<a href="https://evil.example">click</a>`, `&lt;a href="https://evil.example"&gt;click&lt;/a&gt;`},
		{"already &amp; escaped", "already &amp;amp; escaped"},
		{"<img src=x>", "&lt;img src=x&gt;"},
		{"", ""},
	}
	for _, c := range cases {
		if got := EscapeMarkup(c.in); got != c.want {
			t.Errorf("EscapeMarkup(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIconInTheDataFolderIsPrivate(t *testing.T) {
	dir := t.TempDir()
	path, err := writeIcon(dir)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: icon is %v, want -rw-------", when, fi.Mode().Perm())
		}
	}
	check("written")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := writeIcon(dir); err != nil {
		t.Fatal(err)
	}
	check("left 0644 by an older version")
	if filepath.Dir(path) != dir {
		t.Errorf("icon written to %s, want in %s", path, dir)
	}
}
