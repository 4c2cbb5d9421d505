package federation

import (
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
	"parvis/internal/model"
	"parvis/internal/store"
)

// instanceKeySetting is the settings key of the instance actor's private
// key, which signs fetches not made for one person.
const instanceKeySetting = "federation_instance_key"

// keyCache keeps parsed remote public keys, so that verifying a signature
// costs no database read and no PEM parsing. Entries expire, and a full
// cache starts over: the database holds the keys anyway.
type keyCache struct {
	mu   sync.Mutex
	max  int
	ttl  time.Duration
	keys map[string]cachedKey
}

type cachedKey struct {
	pub   crypto.PublicKey
	owner string
	at    time.Time
}

func newKeyCache(max int, ttl time.Duration) *keyCache {
	return &keyCache{max: max, ttl: ttl, keys: map[string]cachedKey{}}
}

func (c *keyCache) get(keyID string, now time.Time) (cachedKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[keyID]
	if ok && now.Sub(k.at) > c.ttl {
		delete(c.keys, keyID)
		return cachedKey{}, false
	}
	return k, ok
}

func (c *keyCache) put(keyID string, k cachedKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.keys) >= c.max {
		clear(c.keys)
	}
	c.keys[keyID] = k
}

func (c *keyCache) forget(keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.keys, keyID)
}

// signerCache keeps the signers of local accounts.
type signerCache struct {
	mu      sync.Mutex
	max     int
	signers map[int64]*httpsign.Signer
	// making serialises key creation per node, so that two deliveries of
	// a new account's first post do not each make a key.
	making sync.Mutex
}

func newSignerCache(max int) *signerCache {
	return &signerCache{max: max, signers: map[int64]*httpsign.Signer{}}
}

func (c *signerCache) get(id int64) *httpsign.Signer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.signers[id]
}

func (c *signerCache) put(id int64, s *httpsign.Signer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.signers) >= c.max {
		clear(c.signers)
	}
	c.signers[id] = s
}

// instanceKey holds the instance actor's key once loaded.
type instanceKey struct {
	mu     sync.Mutex
	key    *rsa.PrivateKey
	pubPEM string
}

// onceEvery lets an action happen at most once per interval for each key
// (refetching a key whose signature failed: a forger must not make us
// fetch on every request).
type onceEvery struct {
	mu    sync.Mutex
	every time.Duration
	last  map[string]time.Time
}

func newOnceEvery(every time.Duration) *onceEvery {
	return &onceEvery{every: every, last: map[string]time.Time{}}
}

func (o *onceEvery) allow(key string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.last[key]; ok && now.Sub(t) < o.every {
		return false
	}
	if len(o.last) > 10000 {
		clear(o.last)
	}
	o.last[key] = now
	return true
}

// actorURI is the ActivityPub id of a local account.
func (f *Federation) actorURI(a *model.Account) string {
	if !a.Local() {
		return a.URI
	}
	return f.base + "/users/" + a.Username
}

// instanceURI is the id of the instance actor.
func (f *Federation) instanceURI() string { return f.base + "/actor" }

// instanceSigner returns the instance actor's key, creating it on first
// use; every node sharing the database gets the same one.
func (f *Federation) instanceSigner(ctx context.Context) (*httpsign.Signer, string, error) {
	f.instance.mu.Lock()
	defer f.instance.mu.Unlock()
	if f.instance.key == nil {
		pemText, err := f.db.Read().Setting(ctx, instanceKeySetting)
		if model.IsNotFound(err) {
			k, gerr := httpsign.GenerateKey()
			if gerr != nil {
				return nil, "", gerr
			}
			b, gerr := httpsign.EncodePrivateKeyPEM(k)
			if gerr != nil {
				return nil, "", gerr
			}
			pemText, err = f.db.InitSetting(ctx, instanceKeySetting, string(b))
		}
		if err != nil {
			return nil, "", fmt.Errorf("instance key: %w", err)
		}
		k, err := httpsign.DecodePrivateKeyPEM([]byte(pemText))
		if err != nil {
			return nil, "", fmt.Errorf("instance key: %w", err)
		}
		pub, err := httpsign.PublicKeyPEM(k)
		if err != nil {
			return nil, "", err
		}
		f.instance.key, f.instance.pubPEM = k, pub
	}
	s, err := httpsign.NewSigner(f.instanceURI()+"#main-key", f.instance.key, f.clock)
	return s, f.instance.pubPEM, err
}

// signer returns the signer of a local account (the instance actor for
// id 0), making the account's key on first need.
func (f *Federation) signer(ctx context.Context, accountID int64) (*httpsign.Signer, error) {
	if accountID == 0 {
		s, _, err := f.instanceSigner(ctx)
		return s, err
	}
	if s := f.signers.get(accountID); s != nil {
		return s, nil
	}
	a, err := f.db.Read().AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !a.Local() {
		return nil, fmt.Errorf("federation: account %d is not local and has no private key", accountID)
	}
	k, _, err := f.accountKey(ctx, a)
	if err != nil {
		return nil, err
	}
	s, err := httpsign.NewSigner(f.actorURI(a)+"#main-key", k, f.clock)
	if err != nil {
		return nil, err
	}
	f.signers.put(accountID, s)
	return s, nil
}

// accountKey returns a local account's private key and public key PEM,
// making and storing them the first time. The key is made outside any
// transaction (it takes a while) and stored only if the account has none
// yet (tx.InitAccountKey): when two nodes sharing the database make one
// at once, both use the key stored first, so the key a node signs with is
// always the one its actor document publishes.
func (f *Federation) accountKey(ctx context.Context, a *model.Account) (*rsa.PrivateKey, string, error) {
	if pemText, err := f.db.Read().PrivateKey(ctx, a.ID); err == nil {
		return decodeKeyPair(pemText)
	} else if !model.IsNotFound(err) {
		return nil, "", err
	}
	// One key made per node at a time: two deliveries of a new account's
	// first post do not each make one.
	f.signers.making.Lock()
	defer f.signers.making.Unlock()
	if pemText, err := f.db.Read().PrivateKey(ctx, a.ID); err == nil {
		return decodeKeyPair(pemText)
	} else if !model.IsNotFound(err) {
		return nil, "", err
	}
	k, err := httpsign.GenerateKey()
	if err != nil {
		return nil, "", err
	}
	priv, err := httpsign.EncodePrivateKeyPEM(k)
	if err != nil {
		return nil, "", err
	}
	var stored string
	err = f.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		stored, err = tx.InitAccountKey(ctx, a.ID, string(priv), func(pemText string) (string, error) {
			_, pub, err := decodeKeyPair(pemText)
			return pub, err
		})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("key of account %d: %w", a.ID, err)
	}
	return decodeKeyPair(stored)
}

// decodeKeyPair reads a private key PEM and derives its public key PEM.
func decodeKeyPair(pemText string) (*rsa.PrivateKey, string, error) {
	k, err := httpsign.DecodePrivateKeyPEM([]byte(pemText))
	if err != nil {
		return nil, "", fmt.Errorf("private key: %w", err)
	}
	pub, err := httpsign.PublicKeyPEM(k)
	if err != nil {
		return nil, "", err
	}
	return k, pub, nil
}

// resolveKey is the signature verifier's key resolver: the cache, then the
// database, then the key's URL.
func (f *Federation) resolveKey(ctx context.Context, keyID string) (crypto.PublicKey, string, error) {
	if k, ok := f.keys.get(keyID, f.now()); ok {
		return k.pub, k.owner, nil
	}
	if f.isLocal(keyID) {
		return f.localKey(ctx, keyID)
	}
	a, err := f.db.Read().AccountByKeyID(ctx, keyID)
	if err == nil && a.PublicKeyPEM != "" && !a.Suspended() {
		pub, err := httpsign.DecodePublicKeyPEM([]byte(a.PublicKeyPEM))
		if err == nil {
			f.keys.put(keyID, cachedKey{pub: pub, owner: a.URI, at: f.now()})
			return pub, a.URI, nil
		}
	} else if err != nil && !model.IsNotFound(err) {
		return nil, "", err
	}
	return f.fetchKey(ctx, keyID)
}

// refetchKey fetches a key again after a signature failed to verify with
// the stored one (the actor may have rotated it), at most once a minute
// per key.
func (f *Federation) refetchKey(ctx context.Context, keyID string) (crypto.PublicKey, string, error) {
	if f.isLocal(keyID) || !f.refetch.allow(keyID, f.now()) {
		return nil, "", errors.New("federation: key refetched recently")
	}
	f.keys.forget(keyID)
	return f.fetchKey(ctx, keyID)
}

// localKey returns the public key of a local actor (the instance actor or
// an account), for requests this instance signed itself.
func (f *Federation) localKey(ctx context.Context, keyID string) (crypto.PublicKey, string, error) {
	owner, _, _ := strings.Cut(keyID, "#")
	if owner == f.instanceURI() {
		_, pubPEM, err := f.instanceSigner(ctx)
		if err != nil {
			return nil, "", err
		}
		pub, err := httpsign.DecodePublicKeyPEM([]byte(pubPEM))
		return pub, owner, err
	}
	a, err := f.localAccount(ctx, owner)
	if err != nil {
		return nil, "", err
	}
	_, pubPEM, err := f.accountKey(ctx, a)
	if err != nil {
		return nil, "", err
	}
	pub, err := httpsign.DecodePublicKeyPEM([]byte(pubPEM))
	return pub, owner, err
}

// fetchKey fetches a key's document and its owner's actor, checks that the
// actor publishes this key, and stores the actor.
func (f *Federation) fetchKey(ctx context.Context, keyID string) (crypto.PublicKey, string, error) {
	if !f.validID(keyID) {
		return nil, "", fmt.Errorf("key id %q is not a valid URL", clip(keyID))
	}
	docURL, _, _ := strings.Cut(keyID, "#")
	doc, err := f.fetchObject(ctx, docURL)
	if err != nil {
		return nil, "", err
	}
	owner := doc.ID
	if doc.PublicKey != nil && doc.PublicKey.Owner != "" {
		owner = doc.PublicKey.Owner
	}
	actor := doc
	if !doc.Type.IsActor() || doc.ID != owner || doc.Inbox.IRI() == "" {
		// GoToSocial serves the key at its own URL, in a stub naming its
		// owner: the owner's full document is fetched.
		if !httpsign.SameHost(owner, keyID) {
			return nil, "", fmt.Errorf("%w: key %s names owner %s", httpsign.ErrKeyNotOwned, clip(keyID), clip(owner))
		}
		if actor, err = f.fetchObject(ctx, owner); err != nil {
			return nil, "", err
		}
	}
	if actor.PublicKey == nil || actor.PublicKey.ID != keyID {
		return nil, "", fmt.Errorf("%w: actor %s does not publish key %s", httpsign.ErrKeyNotOwned, clip(actor.ID), clip(keyID))
	}
	a, err := f.storeActor(ctx, actor)
	if err != nil {
		return nil, "", err
	}
	pub, err := httpsign.DecodePublicKeyPEM([]byte(a.PublicKeyPEM))
	if err != nil {
		return nil, "", err
	}
	f.keys.put(keyID, cachedKey{pub: pub, owner: a.URI, at: f.now()})
	return pub, a.URI, nil
}

// publicKeyOf returns the publicKey block of a local actor's document.
func (f *Federation) publicKeyOf(ctx context.Context, a *model.Account) (*ap.PublicKey, error) {
	_, pub, err := f.accountKey(ctx, a)
	if err != nil {
		return nil, err
	}
	uri := f.actorURI(a)
	return &ap.PublicKey{ID: uri + "#main-key", Owner: uri, PublicKeyPem: pub}, nil
}

// clip shortens a value from the network for a log line or an error.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
