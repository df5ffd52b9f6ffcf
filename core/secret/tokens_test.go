package secret

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokensItem(t *testing.T) {
	end := time.Date(2027, 3, 4, 5, 6, 7, 0, time.UTC)
	whole := Tokens{AccessToken: "acc", RefreshToken: "ref", Expiry: end, RefreshExpiry: end.Add(time.Hour)}
	tests := []struct {
		name    string
		value   string
		want    Tokens
		wantErr string
	}{
		{name: "whole", value: whole.Encode(), want: whole},
		{name: "access only", value: Tokens{AccessToken: "acc"}.Encode(), want: Tokens{AccessToken: "acc"}},
		{name: "newer format", value: `{"v":2,"access_token":"secret-acc"}`, wantErr: "newer SocialOmm"},
		{name: "not ours", value: `secret-acc`, wantErr: "damaged"},
		{name: "no version", value: `{"access_token":"secret-acc"}`, wantErr: "damaged"},
		{name: "no access token", value: `{"v":1,"refresh_token":"secret-ref"}`, wantErr: "no access token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeTokens(tc.value)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "secret-") {
					t.Fatalf("err = %v; want one saying %q without the secret", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if _, err := DecodeTokens(`{"v":9,"access_token":"a"}`); !errors.Is(err, ErrNewerItem) {
		t.Fatalf("newer item: %v", err)
	}
}
