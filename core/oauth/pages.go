package oauth

import (
	"bytes"
	"html/template"
	"net/http"
)

// The pages the browser tab ends on. They are self-contained (inline CSS, no
// scripts, images or fonts from anywhere) and the Content-Security-Policy says so,
// so nothing on them can leak the callback URL to a third party.

type tone string

const (
	toneOK    tone = "ok"
	toneWarn  tone = "warn"
	toneError tone = "error"
)

type page struct {
	Tone    tone
	Title   string // <title> and heading
	Lines   []string
	Detail  string // the network's own words, shown quoted; escaped by html/template
	After   []string
	Network string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} · SocialOmm</title>
<style>
:root { color-scheme: light dark; --bg: #f4f5f7; --card: #ffffff; --fg: #1d2330; --muted: #5b6475; --ok: #1f8a4c; --warn: #b26a00; --error: #c0392b; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171c; --card: #1f242c; --fg: #e8ebf0; --muted: #a3acba; --ok: #4cc27f; --warn: #f0a93b; --error: #ff6b5e; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, Cantarell, sans-serif; }
main { max-width: 30rem; margin: 1.5rem; padding: 2rem 2.25rem; background: var(--card); border-radius: 14px; box-shadow: 0 6px 24px rgba(0,0,0,.12); text-align: center; }
.mark { width: 3.5rem; height: 3.5rem; margin: 0 auto 1rem; border-radius: 50%; display: flex; align-items: center; justify-content: center; font-size: 1.9rem; font-weight: 700; color: #fff; }
.ok .mark { background: var(--ok); } .warn .mark { background: var(--warn); } .error .mark { background: var(--error); }
h1 { font-size: 1.35rem; margin: 0 0 .75rem; }
p { margin: .5rem 0; color: var(--muted); }
blockquote { margin: 1rem 0 0; padding: .6rem .9rem; border-left: 4px solid var(--muted); background: var(--bg); border-radius: 6px; text-align: left; white-space: pre-wrap; overflow-wrap: anywhere; }
footer { margin-top: 1.5rem; font-size: .8rem; color: var(--muted); }
</style>
</head>
<body class="{{.Tone}}">
<main>
<div class="mark" aria-hidden="true">{{if eq .Tone "ok"}}✓{{else if eq .Tone "warn"}}!{{else}}×{{end}}</div>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>
{{end}}{{with .Detail}}<blockquote>{{.}}</blockquote>
{{end}}{{range .After}}<p>{{.}}</p>
{{end}}<footer>SocialOmm{{with .Network}} · {{.}}{{end}}</footer>
</main>
</body>
</html>
`))

func networkOr(name string) string {
	if name == "" {
		return "the network"
	}
	return name
}

func successPage(network string) page {
	title := "SocialOmm is connected"
	if network != "" {
		title = "SocialOmm is connected to " + network
	}
	return page{Tone: toneOK, Title: title, Network: network,
		Lines: []string{"You can close this tab and go back to SocialOmm."}}
}

func deniedPage(network string) page {
	return page{Tone: toneWarn, Title: "You declined to connect", Network: network,
		Lines: []string{
			"You declined to connect SocialOmm to " + networkOr(network) + ". Nothing was changed.",
			"You can close this tab. To try again, choose Update for the account in SocialOmm.",
		}}
}

func providerErrorPage(network string, pe *ProviderError) page {
	who := network
	if who == "" {
		who = "The network"
	}
	p := page{Tone: toneError, Title: "The sign-in did not work", Network: network,
		Lines: []string{who + " refused the sign-in (" + pe.Code + ")."}}
	if pe.Description != "" {
		p.Lines = append(p.Lines, "It said:")
		p.Detail = pe.Description
	}
	p.After = []string{"You can close this tab and try again from SocialOmm."}
	return p
}

func noCodePage(network string) page {
	return page{Tone: toneError, Title: "The sign-in did not work", Network: network,
		Lines: []string{
			"The answer from " + networkOr(network) + " carried no sign-in code.",
			"You can close this tab and try again from SocialOmm.",
		}}
}

func wrongStatePage(network string) page {
	return page{Tone: toneError, Title: "This sign-in did not come from this attempt", Network: network,
		Lines: []string{
			"SocialOmm ignored it: it does not belong to the sign-in SocialOmm is waiting for.",
			"If you are connecting an account, finish in the tab SocialOmm opened, or start again from SocialOmm.",
		}}
}

func finishedPage(network string) page {
	return page{Tone: toneWarn, Title: "This sign-in is already finished", Network: network,
		Lines: []string{"SocialOmm has already received an answer for this sign-in. You can close this tab."}}
}

func notFoundPage() page {
	return page{Tone: toneError, Title: "Not found",
		Lines: []string{"There is nothing here. You can close this tab."}}
}

func misdirectedPage() page {
	return page{Tone: toneError, Title: "Wrong address",
		Lines: []string{"SocialOmm only answers on 127.0.0.1. You can close this tab."}}
}

func methodPage() page {
	return page{Tone: toneError, Title: "Not allowed",
		Lines: []string{"SocialOmm only accepts the sign-in as a plain link. You can close this tab."}}
}

// writePage renders p with status. The security headers keep the callback URL
// (which holds the code) out of caches and Referer headers.
func writePage(w http.ResponseWriter, status int, p page) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		// Only reachable through a programming error in the template.
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
