package oauth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/fositetest"
	"golang.org/x/oauth2"
)

// seqSource hands out tokens in order.
type seqSource struct {
	toks []*oauth2.Token
	err  error
}

func (s *seqSource) Token() (*oauth2.Token, error) {
	if s.err != nil {
		return nil, s.err
	}
	t := s.toks[0]
	if len(s.toks) > 1 {
		s.toks = s.toks[1:]
	}
	return t, nil
}

func TestPersistingTokenSourceUnit(t *testing.T) {
	a := &oauth2.Token{AccessToken: "a1", RefreshToken: "r1"}
	sameAgain := &oauth2.Token{AccessToken: "a1", RefreshToken: "r1"}
	newAccess := &oauth2.Token{AccessToken: "a2", RefreshToken: "r1"}
	rotated := &oauth2.Token{AccessToken: "a3", RefreshToken: "r2"}
	baseErr := errors.New("network down")

	cases := []struct {
		name      string
		last      *oauth2.Token
		base      *seqSource
		saveErr   error
		wantSaved []string // access tokens saved, in order
		wantTok   string
		wantErr   error
	}{
		{"unchanged token is not saved", a, &seqSource{toks: []*oauth2.Token{sameAgain}}, nil, nil, "a1", nil},
		{"new access token is saved", a, &seqSource{toks: []*oauth2.Token{newAccess}}, nil, []string{"a2"}, "a2", nil},
		{"rotated refresh token is saved", a, &seqSource{toks: []*oauth2.Token{rotated}}, nil, []string{"a3"}, "a3", nil},
		{"no last token: first one is saved", nil, &seqSource{toks: []*oauth2.Token{a}}, nil, []string{"a1"}, "a1", nil},
		{"failed save returns no token", a, &seqSource{toks: []*oauth2.Token{rotated}}, errors.New("keyring locked"), nil, "", errors.New("keyring locked")},
		{"base error passes through, nothing saved", a, &seqSource{err: baseErr}, nil, nil, "", baseErr},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var saved []string
			save := func(tok *oauth2.Token) error {
				if tc.saveErr != nil {
					return tc.saveErr
				}
				saved = append(saved, tok.AccessToken)
				return nil
			}
			tok, err := PersistingTokenSource(tc.base, tc.last, save).Token()
			switch {
			case tc.wantErr != nil:
				if err == nil || tok != nil {
					t.Fatalf("Token = %v, %v; want error and no token", tok, err)
				}
				if tc.saveErr != nil && !errors.Is(err, tc.saveErr) || tc.saveErr == nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v does not wrap the cause", err)
				}
			case err != nil:
				t.Fatalf("Token: %v", err)
			case tok.AccessToken != tc.wantTok:
				t.Fatalf("token %q, want %q", tok.AccessToken, tc.wantTok)
			}
			if len(saved) != len(tc.wantSaved) {
				t.Fatalf("saved %q, want %q", saved, tc.wantSaved)
			}
			for i := range saved {
				if saved[i] != tc.wantSaved[i] {
					t.Fatalf("saved %q, want %q", saved, tc.wantSaved)
				}
			}
		})
	}
}

// With a real rotating server: every token handed out has been saved first, a
// failed save hands out nothing, and the rotated-away refresh token is dead, so
// persisting the new one is what keeps the connection alive.
func TestPersistingTokenSourceWithFositeRotation(t *testing.T) {
	ctx := context.Background()
	// 5 s is inside oauth2's 10 s early-expiry window: every Token call refreshes.
	srv := fositetest.Start(t, fositetest.Options{Public: true, AccessTokenLifespan: 5 * time.Second})
	b := newBrowser()
	cfg := srv.Config("")
	first, err := Run(ctx, cfg, b.Open, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.RedirectURL = "" // not needed for refresh

	var (
		stored  = first // what the keyring would hold
		saves   int
		saveErr error
	)
	save := func(tok *oauth2.Token) error {
		if saveErr != nil {
			return saveErr
		}
		saves++
		stored = tok
		return nil
	}
	ts := PersistingTokenSource(cfg.TokenSource(ctx, first), first, save)

	t1, err := ts.Token()
	if err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	if t1.RefreshToken == first.RefreshToken || t1.AccessToken == first.AccessToken {
		t.Fatal("the server did not rotate")
	}
	if saves != 1 || stored != t1 {
		t.Fatalf("saves %d, stored is returned: %v", saves, stored == t1)
	}

	// The keyring fails: the refreshed token must not be used.
	saveErr = errors.New("keyring locked")
	t2, err := ts.Token()
	if t2 != nil || !errors.Is(err, saveErr) {
		t.Fatalf("Token with a failing save = %v, %v", t2, err)
	}
	if stored != t1 {
		t.Fatal("stored token changed although saving failed")
	}

	// The keyring is back: the next token is saved before it is returned.
	saveErr = nil
	t3, err := ts.Token()
	if err != nil {
		t.Fatalf("refresh after the keyring came back: %v", err)
	}
	if saves != 2 || stored != t3 || t3.RefreshToken == t1.RefreshToken {
		t.Fatalf("saves %d, stored is returned: %v", saves, stored == t3)
	}

	// The stored token works after a restart (a fresh token source)...
	restart := PersistingTokenSource(cfg.TokenSource(ctx, stored), stored, save)
	t4, err := restart.Token()
	if err != nil {
		t.Fatalf("refresh from the stored token: %v", err)
	}
	if stored != t4 || saves != 3 {
		t.Fatalf("saves %d, stored is returned: %v", saves, stored == t4)
	}

	// ...while the first refresh token, rotated away, is refused.
	stale := &oauth2.Token{RefreshToken: first.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
	_, err = cfg.TokenSource(ctx, stale).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("stale refresh token: %v, want invalid_grant", err)
	}
}
