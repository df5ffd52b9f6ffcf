package bluesky

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/socialomm/desktop/core/network"
)

func TestNormalizeHandle(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"ana.bsky.social", "ana.bsky.social", true},
		{"@Ana.Bsky.Social", "ana.bsky.social", true},
		{"  @ana.test\u200b ", "ana.test", true},
		{"ana.example.com.", "ana.example.com", true},
		{"xn--80ak6aa92e.com", "xn--80ak6aa92e.com", true},
		{"did:plc:ewvi7nxzyoun6zhxrhs64oiz", "did:plc:ewvi7nxzyoun6zhxrhs64oiz", true},
		{"did:web:example.com", "did:web:example.com", true},
		{"did:web:localhost%3A2583", "did:web:localhost%3A2583", true},
		{"", "", false},
		{"@", "", false},
		{"ana", "", false},
		{"ana.123", "", false},
		{"-ana.test", "", false},
		{"ana-.test", "", false},
		{"ana..test", "", false},
		{"ana_x.test", "", false},
		{"ana@example.com", "", false},
		{"ana bsky.social", "", false},
		{"anä.test", "", false},
		{"did:plc:short", "", false},
		{"did:key:z6Mk", "", false},
		{"did:web:", "", false},
		{strings.Repeat("a", 64) + ".test", "", false},
	}
	for _, c := range cases {
		got, err := NormalizeHandle(c.in)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("NormalizeHandle(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if !c.ok && (err == nil || !errors.Is(err, ErrNotHandle)) {
			t.Errorf("NormalizeHandle(%q) = %q, %v; want ErrNotHandle", c.in, got, err)
		}
	}
	// With a server address an email is a fine identifier.
	if got, err := normalizeIdentifier("Ana@Example.com", true); err != nil || got != "ana@example.com" {
		t.Errorf("email with a server: %q %v", got, err)
	}
}

func TestNormalizePDS(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"bsky.social", "https://bsky.social", true},
		{"https://Bsky.Social/", "https://bsky.social", true},
		{" https://pds.example.com:8443 ", "https://pds.example.com:8443", true},
		{"http://127.0.0.1:2583", "http://127.0.0.1:2583", true},
		{"http://localhost:2583/", "http://localhost:2583", true},
		{"http://[::1]:2583", "http://[::1]:2583", true},
		{"http://bsky.social", "", false},
		{"ftp://bsky.social", "", false},
		{"https://bsky.social/xrpc", "", false},
		{"https://user:pw@bsky.social", "", false},
		{"https://bsky.social?x=1", "", false},
		{"", "", false},
		{"https://", "", false},
		{"bsky social", "", false},
	}
	for _, c := range cases {
		got, err := NormalizePDS(c.in)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("NormalizePDS(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if !c.ok && !errors.Is(err, ErrNotServerAddress) {
			t.Errorf("NormalizePDS(%q) = %q, %v; want ErrNotServerAddress", c.in, got, err)
		}
	}
}

// didDoc is a PLC-style DID document naming base as the PDS.
func didDoc(did, handle, base string) map[string]any {
	return map[string]any{
		"@context":    []string{"https://www.w3.org/ns/did/v1"},
		"id":          did,
		"alsoKnownAs": []string{"at://" + handle},
		"service": []map[string]any{
			{"id": "#atproto_labeler", "type": "AtprotoLabeler", "serviceEndpoint": "https://labeler.example"},
			{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": base},
		},
	}
}

func TestConnectResolvesThroughDNSAndPLC(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.createSession", func(w http.ResponseWriter, r recorded) {
		writeJSON(w, 200, session(scopeAppPass, testNow, "j"))
	})
	plc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+testDID {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, 200, didDoc(testDID, "ana.test", strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1)))
	}))
	defer plc.Close()
	var asked []string
	txt := func(ctx context.Context, name string) ([]string, error) {
		asked = append(asked, name)
		return []string{"v=spf1 -all", "did=" + testDID}, nil
	}
	a := New(nil, WithPLCURL(plc.URL+"/"), WithTXTLookup(txt))
	prof, _, base, err := a.Connect(context.Background(), "@ana.test", "abcd-efgh-ijkl-mnop", "")
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if len(asked) != 1 || asked[0] != "_atproto.ana.test" {
		t.Errorf("DNS asked %v", asked)
	}
	if base != strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1) || prof.RemoteID != testDID {
		t.Errorf("base %q, profile %+v", base, prof)
	}
}

func TestConnectRefusesAnotherAccountThanTheHandles(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.createSession", func(w http.ResponseWriter, r recorded) {
		writeJSON(w, 200, session(scopeAppPass, testNow, "j"))
	})
	f.on("com.atproto.server.deleteSession", func(w http.ResponseWriter, r recorded) { w.WriteHeader(200) })
	other := "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
	plc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, didDoc(other, "ana.test", f.srv.URL))
	}))
	defer plc.Close()
	a := New(nil, WithPLCURL(plc.URL), WithTXTLookup(func(context.Context, string) ([]string, error) {
		return []string{"did=" + other}, nil
	}))
	if _, _, _, err := a.Connect(context.Background(), "ana.test", "abcd-efgh-ijkl-mnop", ""); err == nil || !strings.Contains(err.Error(), other) {
		t.Errorf("got %v, want a refusal naming %s", err, other)
	}
	if len(f.calls("com.atproto.server.deleteSession")) != 1 {
		t.Error("the session was not ended")
	}
}

// tlsEverywhere is a client that sends every https request to srv,
// whatever the host, as if DNS pointed there.
func tlsEverywhere(srv *httptest.Server) *http.Client {
	addr := srv.Listener.Addr().String()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // test certificate
	}}
}

func TestResolveHandleThroughWellKnownAndDIDWeb(t *testing.T) {
	const did = "did:web:ana.example.com"
	const pds = "https://pds.example.com"
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Host == "ana.example.com" && r.URL.Path == "/.well-known/atproto-did":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(did + "\n"))
		case r.Host == "ana.example.com" && r.URL.Path == "/.well-known/did.json":
			writeJSON(w, 200, didDoc(did, "ana.example.com", pds))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	notFound := func(ctx context.Context, name string) ([]string, error) {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	a := New(tlsEverywhere(srv), WithTXTLookup(notFound))
	gotDID, base, err := a.ResolvePDS(context.Background(), "ana.example.com")
	if err != nil || gotDID != did || base != pds {
		t.Errorf("ResolvePDS = %q %q %v", gotDID, base, err)
	}
	if _, err := a.ResolveHandle(context.Background(), "bob.example.com"); !errors.Is(err, ErrHandleNotFound) {
		t.Errorf("unknown handle: %v, want ErrHandleNotFound", err)
	} else if !strings.Contains(err.Error(), "advanced") {
		t.Errorf("%q does not point at the advanced field", err)
	}
}

func TestResolveHandleOffline(t *testing.T) {
	dnsDown := func(ctx context.Context, name string) ([]string, error) {
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	refuse := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("network is unreachable")}
		},
	}}
	_, err := New(refuse, WithTXTLookup(dnsDown)).ResolveHandle(context.Background(), "ana.bsky.social")
	if !network.IsTransient(err) || !errors.Is(err, ErrUnreachable) {
		t.Errorf("got %v, want a transient error: the network is down, not the handle", err)
	}
}

func TestResolveDID(t *testing.T) {
	docs := map[string]func(w http.ResponseWriter){
		"/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa": func(w http.ResponseWriter) { http.Error(w, "DID not registered", 404) },
		"/did:plc:bbbbbbbbbbbbbbbbbbbbbbbb": func(w http.ResponseWriter) { http.Error(w, "DID not available", http.StatusGone) },
		"/did:plc:cccccccccccccccccccccccc": func(w http.ResponseWriter) {
			writeJSON(w, 200, map[string]any{"id": "did:plc:cccccccccccccccccccccccc", "service": []any{}})
		},
		"/did:plc:dddddddddddddddddddddddd": func(w http.ResponseWriter) {
			writeJSON(w, 200, didDoc("did:plc:dddddddddddddddddddddddd", "x.test", "http://pds.example.com"))
		},
		"/did:plc:eeeeeeeeeeeeeeeeeeeeeeee": func(w http.ResponseWriter) {
			writeJSON(w, 200, didDoc("did:plc:ffffffffffffffffffffffff", "x.test", "https://pds.example.com"))
		},
		"/did:plc:gggggggggggggggggggggggg": func(w http.ResponseWriter) {
			d := didDoc("did:plc:gggggggggggggggggggggggg", "x.test", "https://pds.example.com")
			d["service"] = []map[string]any{{"id": "did:plc:gggggggggggggggggggggggg#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": "https://pds.example.com/"}}
			writeJSON(w, 200, d)
		},
		"/did:plc:hhhhhhhhhhhhhhhhhhhhhhhh": func(w http.ResponseWriter) { w.WriteHeader(503) },
	}
	plc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := docs[r.URL.Path]; h != nil {
			h(w)
			return
		}
		http.NotFound(w, r)
	}))
	defer plc.Close()
	a := New(nil, WithPLCURL(plc.URL))
	for did, want := range map[string]string{
		"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa":                          "does not know",
		"did:plc:bbbbbbbbbbbbbbbbbbbbbbbb":                          "deleted",
		"did:plc:cccccccccccccccccccccccc":                          "names no Bluesky server",
		"did:plc:dddddddddddddddddddddddd":                          "unusable server",
		"did:plc:eeeeeeeeeeeeeeeeeeeeeeee":                          "could not be read",
		"did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme": "not a DID",
	} {
		_, err := a.ResolveDID(context.Background(), did)
		if !errors.Is(err, ErrDIDNotResolved) || !strings.Contains(err.Error(), want) {
			t.Errorf("ResolveDID(%s) = %v, want ErrDIDNotResolved saying %q", did, err, want)
		}
	}
	if base, err := a.ResolveDID(context.Background(), "did:plc:gggggggggggggggggggggggg"); err != nil || base != "https://pds.example.com" {
		t.Errorf("full service id: %q %v", base, err)
	}
	if _, err := a.ResolveDID(context.Background(), "did:plc:hhhhhhhhhhhhhhhhhhhhhhhh"); !network.IsTransient(err) {
		t.Errorf("PLC directory down: %v, want transient", err)
	}
}
