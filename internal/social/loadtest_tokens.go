package social

import (
	"context"
	"fmt"

	"parvis/internal/store"
)

// IssueTokens gives each of userIDs a new access token of one new
// application named appName, within scopes, without their passwords: the
// operator's way (the command line, on the server's database) to obtain
// tokens for the accounts a load test acts as. The tokens are returned this
// once, in the order of userIDs; they expire and can be revoked like any
// other.
func (s *Service) IssueTokens(ctx context.Context, appName string, userIDs []int64, scopes string) ([]string, error) {
	sc, err := ParseScopes(scopes)
	if err != nil {
		return nil, err
	}
	if len(sc) == 0 {
		sc = Scopes{"read"}
	}
	clientID, err := randomToken()
	if err != nil {
		return nil, err
	}
	secret, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := s.now()
	app := &store.OAuthApp{Name: appName, RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: sc,
		ClientID: clientID, SecretHash: tokenHash(secret), CreatedAt: now}
	tokens := make([]string, len(userIDs))
	for i := range tokens {
		if tokens[i], err = randomToken(); err != nil {
			return nil, err
		}
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.InsertOAuthApp(ctx, app); err != nil {
			return err
		}
		for i, id := range userIDs {
			if err := tx.InsertOAuthToken(ctx, store.OAuthToken{Hash: tokenHash(tokens[i]), AppID: app.ID, UserID: id,
				Scopes: sc, CreatedAt: now, LastUsedAt: now}); err != nil {
				return fmt.Errorf("token of user %d: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("issue tokens", err)
	}
	return tokens, nil
}
