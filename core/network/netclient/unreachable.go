package netclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/socialomm/desktop/core/network"
)

// TransportError says in plain words why host could not be asked, as a
// *network.TransientError whose chain holds unreachable (the adapter's
// ErrUnreachable sentinel) and the cause. A cancelled request says so and
// holds only the cause.
func TransportError(host string, err, unreachable error) error {
	if errors.Is(err, context.Canceled) {
		return &network.TransientError{Message: "the request to " + host + " was cancelled", Err: err}
	}
	chain := fmt.Errorf("%w: %w", unreachable, err)
	if serverDown(err) {
		chain = fmt.Errorf("%w: %w: %w", unreachable, network.ErrServerUnreachable, err)
	}
	return &network.TransientError{
		Message: "could not reach " + host + ": " + WhyUnreachable(err),
		Err:     chain,
	}
}

// serverDown says whether err means the server cannot be reached at all
// (name, route, refused, no answer, certificate), so that asking it about
// another profile moments later would fail the same way; a cut connection
// or an oversized answer is about one request.
func serverDown(err error) bool {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var netErr net.Error
	return errors.As(err, &dnsErr) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) ||
		errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr)
}

// WhyUnreachable says in words for the person why a server could not be
// asked: its name, no answer in time, a refused or cut connection, no
// route, a certificate, an answer over MaxBody.
func WhyUnreachable(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var netErr net.Error
	var redirect *RedirectError
	switch {
	case errors.As(err, &redirect):
		return redirect.Error()
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no server by that name was found (DNS)"
	case errors.As(err, &dnsErr) && dnsErr.IsTimeout:
		return "looking up its name took too long (DNS); check the internet connection"
	case errors.As(err, &dnsErr):
		return "its name could not be looked up (DNS); check the internet connection"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "it did not answer in time"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused (nothing is listening there)"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was cut"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "there is no route to it; check the internet connection"
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr),
		errors.As(err, &invalidCert):
		return "its security certificate could not be verified"
	case errors.Is(err, ErrTooLarge):
		return "its answer was too large"
	case strings.Contains(err.Error(), "EOF"):
		return "the connection was closed before it answered"
	}
	return "the connection failed"
}
