package netclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/socialomm/desktop/core/network"
)

func TestScrubMasksLongEnoughSecrets(t *testing.T) {
	h := http.Header{"X-Debug": {"saw tok-123456 and ab"}}
	body, got := Scrub([]byte("echo tok-123456 ab"), h, "[secret]", 6, "tok-123456", "ab", "")
	if string(body) != "echo [secret] ab" || got.Get("X-Debug") != "saw [secret] and ab" {
		t.Errorf("got %q / %q", body, got.Get("X-Debug"))
	}
	if h.Get("X-Debug") != "saw tok-123456 and ab" {
		t.Error("the header given must not change")
	}
	if b, hh := Scrub([]byte("x"), nil, "[token]", 1, ""); string(b) != "x" || hh != nil {
		t.Error("nothing to scrub")
	}
}

func TestSendNamesTheAppAndBoundsTheAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != UserAgent || r.Header.Get("Authorization") != "Bearer t0ken" ||
			r.Header.Get("Content-Type") != "text/plain" || r.Header.Get("X-Extra") != "1" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/big" {
			w.Write([]byte(strings.Repeat("x", MaxBody+1)))
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	send := func(path string) (Reply, bool, error) {
		hreq, err := NewRequest(context.Background(), Request{Method: http.MethodPost, URL: srv.URL + path,
			Body: strings.NewReader("hi"), ContentType: "text/plain", Token: "t0ken", Header: http.Header{"X-Extra": {"1"}}})
		if err != nil {
			t.Fatal(err)
		}
		return Send(srv.Client(), hreq)
	}
	rep, written, err := send("/")
	if err != nil || !written || rep.Status != http.StatusOK || string(rep.Body) != "ok" || rep.Final == nil {
		t.Fatalf("got %+v %t %v", rep, written, err)
	}
	_, written, err = send("/big")
	if !errors.Is(err, ErrTooLarge) || !written {
		t.Fatalf("got %t %v", written, err)
	}
	errMine := errors.New("mine unreachable")
	terr := TransportError("host", err, errMine)
	if !errors.Is(terr, errMine) || !network.IsTransient(terr) || terr.Error() != "could not reach host: its answer was too large" {
		t.Errorf("TransportError: %v", terr)
	}
	if terr := TransportError("host", context.Canceled, errMine); errors.Is(terr, errMine) || terr.Error() != "the request to host was cancelled" {
		t.Errorf("cancelled: %v", terr)
	}
}
