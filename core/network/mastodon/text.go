package mastodon

import (
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText is a post's words without the server's HTML: paragraphs and
// line breaks become new lines, links their visible text (Mastodon hides
// parts of long links in spans; those are kept, so a link reads in full).
func htmlText(content string) string {
	z := xhtml.NewTokenizer(strings.NewReader(content))
	var b strings.Builder
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.TrimSpace(b.String())
		case xhtml.TextToken:
			b.Write(z.Text())
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) == atom.Br {
				b.WriteByte('\n')
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) == atom.P {
				b.WriteString("\n\n")
			}
		}
	}
}
