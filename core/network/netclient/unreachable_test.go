package netclient

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/socialomm/desktop/core/network"
)

var errAdapterUnreachable = errors.New("adapter: unreachable")

// TransportError marks a server that cannot be reached at all, so a sweep
// does not ask it again for each of its profiles; a failure of one request
// on a reachable server is not marked.
func TestTransportErrorTellsAServerThatIsDown(t *testing.T) {
	dial := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: err} }
	cases := []struct {
		name  string
		err   error
		down  bool
		words string
	}{
		{"no such name", &net.DNSError{Err: "no such host", Name: "x.example", IsNotFound: true}, true, "no server by that name was found (DNS)"},
		{"name lookup failed", &net.DNSError{Err: "server misbehaving", Name: "x.example"}, true, "its name could not be looked up (DNS)"},
		{"refused", dial(os.NewSyscallError("connect", syscall.ECONNREFUSED)), true, "the connection was refused"},
		{"no route", dial(os.NewSyscallError("connect", syscall.EHOSTUNREACH)), true, "there is no route to it"},
		{"no answer in time", fmt.Errorf("get: %w", context.DeadlineExceeded), true, "it did not answer in time"},
		{"certificate", x509.UnknownAuthorityError{}, true, "its security certificate could not be verified"},
		{"connection cut", dial(os.NewSyscallError("read", syscall.ECONNRESET)), false, "the connection was cut"},
		{"closed early", io.ErrUnexpectedEOF, false, "the connection was closed before it answered"},
		{"answer too large", ErrTooLarge, false, "its answer was too large"},
	}
	for _, c := range cases {
		err := TransportError("x.example", c.err, errAdapterUnreachable)
		if got := errors.Is(err, network.ErrServerUnreachable); got != c.down {
			t.Errorf("%s: server unreachable %v, want %v", c.name, got, c.down)
		}
		if !errors.Is(err, errAdapterUnreachable) || !errors.Is(err, c.err) || !network.IsTransient(err) {
			t.Errorf("%s: the chain lost the adapter's sentinel, the cause or transience: %v", c.name, err)
		}
		if want := "could not reach x.example: " + c.words; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
			t.Errorf("%s: %q, want it to start %q", c.name, err.Error(), want)
		}
	}
	if err := TransportError("x.example", context.Canceled, errAdapterUnreachable); errors.Is(err, network.ErrServerUnreachable) {
		t.Error("a cancelled request marks the server unreachable")
	}
}
