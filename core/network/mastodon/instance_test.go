package mastodon

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
)

func TestNormalizeInstance(t *testing.T) {
	ok := []struct{ in, want string }{
		{"mastodon.social", "https://mastodon.social"},
		{"  mastodon.social  ", "https://mastodon.social"},
		{"https://mastodon.social\n", "https://mastodon.social"},
		{"https://mastodon.social/", "https://mastodon.social"},
		{"https://mastodon.social", "https://mastodon.social"},
		{"https://mastodon.social/@ana", "https://mastodon.social"},
		{"https://mastodon.social/@ana/109876543210?x=1#top", "https://mastodon.social"},
		{"https://mastodon.social/@ana@fosstodon.org", "https://mastodon.social"},
		{"@ana@mastodon.social", "https://mastodon.social"},
		{"ana@mastodon.social", "https://mastodon.social"},
		{"@ana@Mastodon.Social", "https://mastodon.social"},
		{"MASTODON.SOCIAL", "https://mastodon.social"},
		{"HTTPS://Mastodon.Social/", "https://mastodon.social"},
		{"mastodon.social.", "https://mastodon.social"},
		{"mastodon.social/about", "https://mastodon.social"},
		{"https://mastodon.social:443", "https://mastodon.social"},
		{"social.example:8443", "https://social.example:8443"},
		{"https://user@social.example", "https://social.example"},
		// Plain http only reaches this computer; elsewhere it is upgraded.
		{"http://mastodon.social", "https://mastodon.social"},
		{"http://mastodon.social:80", "https://mastodon.social:80"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://127.0.0.1:80", "http://127.0.0.1"},
		{"https://127.0.0.1:8443", "https://127.0.0.1:8443"},
		{"http://127.5.6.7:3000", "http://127.5.6.7:3000"},
		{"http://localhost:3000", "http://localhost:3000"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"http://192.168.1.20:8080", "https://192.168.1.20:8080"},
		{"@ana@127.0.0.1:8080", "http://127.0.0.1:8080"},
		// Internationalised names are kept as punycode.
		{"mäss.example", "https://xn--mss-qla.example"},
		{"https://Mäss.Example/@ana", "https://xn--mss-qla.example"},
		{"ana@mäss.example", "https://xn--mss-qla.example"},
		{"xn--mss-qla.example", "https://xn--mss-qla.example"},
	}
	for _, c := range ok {
		got, err := NormalizeInstance(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeInstance(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}

	bad := []string{
		"", "   ", "not a url", "https://", "http://", "ftp://x", "ftp://mastodon.social",
		"mastodon social", "mastodon", "https://mastodon", "@ana", "ana@", "https://@",
		"javascript:alert(1)", "mailto:ana@mastodon.social", "https://exa_mple.com",
		"https://-bad.example", "https://a..b", "https://mastodon.social:0", "https://mastodon.social:99999",
		"https://mastodon.social:port", "999.1.1.1", "https://[fe80::1%25eth0]", "tab\there.social", "ana:x@mastodon.social",
	}
	for _, in := range bad {
		got, err := NormalizeInstance(in)
		if err == nil {
			t.Errorf("NormalizeInstance(%q) = %q, want an error", in, got)
			continue
		}
		if !errors.Is(err, ErrNotServerAddress) {
			t.Errorf("NormalizeInstance(%q): %v does not match ErrNotServerAddress", in, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "server address") || !strings.Contains(msg, "for example mastodon.social") {
			t.Errorf("NormalizeInstance(%q): message %q does not say plainly what to type", in, msg)
		}
	}
}

func TestNormalizeInstanceIsIdempotent(t *testing.T) {
	for _, in := range []string{"mastodon.social", "http://127.0.0.1:8080", "mäss.example", "social.example:8443", "http://[::1]:9"} {
		once, err := NormalizeInstance(in)
		if err != nil {
			t.Fatal(err)
		}
		twice, err := NormalizeInstance(once)
		if err != nil || twice != once {
			t.Errorf("NormalizeInstance(%q) = %q, %v; want it unchanged", once, twice, err)
		}
	}
}

// mastodonV2Instance is shaped like Mastodon's documented /api/v2/instance.
const mastodonV2Instance = `{
  "domain": "mastodon.social",
  "title": "Mastodon",
  "version": "4.3.2",
  "source_url": "https://github.com/mastodon/mastodon",
  "description": "The original server operated by the Mastodon gGmbH non-profit",
  "usage": {"users": {"active_month": 123122}},
  "thumbnail": {"url": "https://files.mastodon.social/site_uploads/files/000/000/001/@1x/57c12f441d083cde.png"},
  "languages": ["en"],
  "configuration": {
    "urls": {"streaming": "wss://mastodon.social"},
    "accounts": {"max_featured_tags": 10},
    "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
    "media_attachments": {"image_size_limit": 16777216},
    "polls": {"max_options": 4},
    "translation": {"enabled": true}
  },
  "registrations": {"enabled": false, "approval_required": false, "message": null},
  "contact": {"email": "staff@mastodon.social"},
  "rules": [{"id": "1", "text": "Sexually explicit or violent media must be marked as sensitive when posting"}]
}`

// gotosocialV1Instance is shaped like GoToSocial v0.18.3's /api/v1/instance.
const gotosocialV1Instance = `{
  "uri": "127.0.0.1:8080",
  "account_domain": "127.0.0.1:8080",
  "title": "127.0.0.1:8080",
  "version": "0.18.3",
  "configuration": {"statuses": {"max_characters": 5000, "max_media_attachments": 6, "characters_reserved_per_url": 25}},
  "registrations": false,
  "urls": {"streaming_api": "ws://127.0.0.1:8080"}
}`

func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestProbe(t *testing.T) {
	ctx := context.Background()
	t.Run("v2 Mastodon", func(t *testing.T) {
		var accept string
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/v2/instance" {
				t.Errorf("unexpected %s", r.URL.Path)
			}
			accept = r.Header.Get("Accept")
			w.Write([]byte(mastodonV2Instance))
		})
		info, err := Probe(ctx, nil, base)
		if err != nil {
			t.Fatal(err)
		}
		want := InstanceInfo{BaseURL: base, Domain: "mastodon.social", Title: "Mastodon", Version: "4.3.2", Software: SoftwareMastodon, MaxCharacters: 500}
		if info != want {
			t.Errorf("got %+v, want %+v", info, want)
		}
		if !info.AnyLoopbackPort() {
			t.Error("Mastodon ignores loopback ports; AnyLoopbackPort should be true")
		}
		if accept != "application/json" {
			t.Errorf("Accept = %q", accept)
		}
	})
	t.Run("v1 fallback", func(t *testing.T) {
		var paths []string
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			paths = append(paths, r.URL.Path)
			if r.URL.Path == "/api/v1/instance" {
				w.Write([]byte(gotosocialV1Instance))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"Record not found"}`))
		})
		info, err := Probe(ctx, nil, base)
		if err != nil {
			t.Fatal(err)
		}
		if info.Domain != "127.0.0.1:8080" || info.MaxCharacters != 5000 || info.Software != "" || info.AnyLoopbackPort() {
			t.Errorf("got %+v", info)
		}
		if strings.Join(paths, ",") != "/api/v2/instance,/api/v1/instance" {
			t.Errorf("paths %v", paths)
		}
	})
	t.Run("default limit and GoToSocial v2", func(t *testing.T) {
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"domain":"gts.example","title":"GTS","version":"0.18.3","source_url":"https://github.com/superseriousbusiness/gotosocial","configuration":{}}`))
		})
		info, err := Probe(ctx, nil, base)
		if err != nil || info.MaxCharacters != DefaultTextLimit || info.Software != SoftwareGoToSocial || info.AnyLoopbackPort() {
			t.Errorf("got %+v, %v", info, err)
		}
	})
	t.Run("old max_toot_chars", func(t *testing.T) {
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v2/instance" {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(`{"uri":"https://glitch.example","title":"G","version":"3.5.3","max_toot_chars":1000}`))
		})
		info, err := Probe(ctx, nil, base)
		if err != nil || info.MaxCharacters != 1000 || info.Domain != "glitch.example" {
			t.Errorf("got %+v, %v", info, err)
		}
	})

	notMastodon := map[string]http.HandlerFunc{
		"HTML page": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><html><body>Welcome to my blog</body></html>"))
		},
		"404 on both": func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
		"JSON without the fields": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"status":"ok","name":"some api"}`))
		},
		"JSON array": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`[1,2,3]`)) },
		"401 on both": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
		},
	}
	for name, h := range notMastodon {
		t.Run(name, func(t *testing.T) {
			base := serve(t, h)
			_, err := Probe(ctx, nil, base)
			if !errors.Is(err, ErrNotMastodon) || errors.Is(err, ErrUnreachable) {
				t.Fatalf("got %v, want ErrNotMastodon", err)
			}
			host := strings.TrimPrefix(base, "http://")
			if err.Error() != host+" answered, but it is not a Mastodon-compatible server; check the address" {
				t.Errorf("message %q", err)
			}
		})
	}

	t.Run("503 is trouble, not a wrong address", func(t *testing.T) {
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"))
		})
		_, err := Probe(ctx, nil, base)
		var te *network.TransientError
		if !errors.As(err, &te) || errors.Is(err, ErrNotMastodon) || te.RetryAfter != 2*time.Minute {
			t.Fatalf("got %#v", err)
		}
	})

	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = Probe(ctx, nil, "http://"+addr)
		if !errors.Is(err, ErrUnreachable) || !network.IsTransient(err) {
			t.Fatalf("got %v", err)
		}
		if err.Error() != "could not reach "+addr+": the connection was refused (nothing is listening there)" {
			t.Errorf("message %q", err)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := Probe(cctx, nil, srv.URL)
		if !errors.Is(err, ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
		if !strings.HasSuffix(err.Error(), ": it did not answer in time") {
			t.Errorf("message %q", err)
		}
	})

	t.Run("unknown name", func(t *testing.T) {
		client := &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "nowhere.example", IsNotFound: true}}
			},
		}}
		_, err := Probe(ctx, client, "https://nowhere.example")
		if !errors.Is(err, ErrUnreachable) {
			t.Fatalf("got %v", err)
		}
		if err.Error() != "could not reach nowhere.example: no server by that name was found (DNS)" {
			t.Errorf("message %q", err)
		}
	})
}

func TestProbeFollowsRedirectToSafeBase(t *testing.T) {
	target := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(mastodonV2Instance))
	})
	front := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusMovedPermanently)
	})
	info, err := Probe(context.Background(), nil, front)
	if err != nil || info.BaseURL != target {
		t.Fatalf("got %+v, %v; want BaseURL %s", info, err, target)
	}
}

func TestDisplayHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://xn--mss-qla.example":   "mäss.example",
		"https://mastodon.social":       "mastodon.social",
		"http://127.0.0.1:8080":         "127.0.0.1:8080",
		"http://[::1]:8080":             "[::1]:8080",
		"https://xn--mss-qla.example:8": "mäss.example:8",
	} {
		if got := displayHost(in); got != want {
			t.Errorf("displayHost(%q) = %q, want %q", in, got, want)
		}
	}
}
