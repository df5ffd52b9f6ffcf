package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// NetworkApp is SocialOmm's registration on one network server. Its client
// secret is in the keyring under the key AppKey(network, instance).
type NetworkApp struct {
	Network     string
	Instance    string
	ClientID    string
	RedirectURI string
	Scopes      string
	CreatedAt   time.Time
}

// AppKey is the keyring key of a registration's client secret.
func AppKey(network, instance string) string { return network + " " + instance }

// NetworkApp returns the registration for a server, or ErrNotFound.
func (s *Store) NetworkApp(ctx context.Context, network, instance string) (NetworkApp, error) {
	var a NetworkApp
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT network, instance, client_id, redirect_uri, scopes, created_at
		FROM network_apps WHERE network = ? AND instance = ?`, network, instance).
		Scan(&a.Network, &a.Instance, &a.ClientID, &a.RedirectURI, &a.Scopes, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	a.CreatedAt = time.Unix(created, 0).UTC()
	return a, err
}

// SaveNetworkApp stores (or replaces) a server's registration.
func (s *Store) SaveNetworkApp(ctx context.Context, a NetworkApp) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO network_apps (network, instance, client_id, redirect_uri, scopes, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (network, instance) DO UPDATE SET client_id = excluded.client_id,
		redirect_uri = excluded.redirect_uri, scopes = excluded.scopes, created_at = excluded.created_at`,
		a.Network, a.Instance, a.ClientID, a.RedirectURI, a.Scopes, unix(s.now()))
	return err
}
