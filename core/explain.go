package core

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/oauth"
)

// Explain turns an error from a connect, update or check into a sentence for
// the person, saying what happened and what to do.
func Explain(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, oauth.ErrDenied):
		return "You declined to give SocialOmm access on the network's page, so nothing was connected. " +
			"Choose Connect again if that was a mistake."
	case errors.Is(err, oauth.ErrTimeout):
		return "No sign-in arrived within 5 minutes, so SocialOmm stopped waiting and changed nothing. " +
			"Try again when you are ready to sign in."
	case errors.Is(err, oauth.ErrCancelled):
		return "Cancelled; nothing was changed."
	}
	msg := err.Error()
	r, size := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[size:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
