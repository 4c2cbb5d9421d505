package httpsign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyBits is the size of the RSA keys GenerateKey makes, the size Mastodon,
// GoToSocial and Lemmy use for actor keys.
const KeyBits = 2048

// GenerateKey returns a new RSA-2048 key for an actor.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("httpsign: generate key: %w", err)
	}
	return k, nil
}

// EncodePrivateKeyPEM encodes key as a PKCS#8 "PRIVATE KEY" PEM block.
func EncodePrivateKeyPEM(key *rsa.PrivateKey) ([]byte, error) {
	if key == nil {
		return nil, errors.New("httpsign: encode private key: nil key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("httpsign: encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// DecodePrivateKeyPEM decodes an RSA private key from the first PEM block
// of data, in PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY", the form
// Mastodon stores) encoding.
func DecodePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(bytes.TrimSpace(data))
	if block == nil {
		return nil, errors.New("httpsign: decode private key: no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsign: decode private key: %w", err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsign: decode private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("httpsign: decode private key: %T is not an RSA key", k)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("httpsign: decode private key: unexpected PEM type %q", block.Type)
}

// EncodePublicKeyPEM encodes pub as a PKIX "PUBLIC KEY" PEM block, the
// form actors publish in publicKey.publicKeyPem.
func EncodePublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	if pub == nil {
		return nil, errors.New("httpsign: encode public key: nil key")
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("httpsign: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// DecodePublicKeyPEM decodes a public key from the first PEM block of data:
// PKIX ("PUBLIC KEY", what Mastodon, GoToSocial and Lemmy publish) or
// PKCS#1 ("RSA PUBLIC KEY", which a few older servers publish).
func DecodePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(bytes.TrimSpace(data))
	if block == nil {
		return nil, errors.New("httpsign: decode public key: no PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsign: decode public key: %w", err)
		}
		return k, nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsign: decode public key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("httpsign: decode public key: unexpected PEM type %q", block.Type)
}

// PublicKeyPEM is EncodePublicKeyPEM for a private key's public half, as a
// string ready for an actor document.
func PublicKeyPEM(key *rsa.PrivateKey) (string, error) {
	if key == nil {
		return "", errors.New("httpsign: encode public key: nil key")
	}
	b, err := EncodePublicKeyPEM(&key.PublicKey)
	return string(b), err
}
