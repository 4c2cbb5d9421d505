package httpsign

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestGenerateKeyPEMRoundTrip(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if got := key.N.BitLen(); got != KeyBits {
		t.Fatalf("key size: got %d bits, want %d", got, KeyBits)
	}
	privPEM, err := EncodePrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(privPEM), "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("private key PEM: got %.30q, want PKCS#8", privPEM)
	}
	back, err := DecodePrivateKeyPEM(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(key) {
		t.Fatal("decoded private key differs from the encoded one")
	}

	pubPEM, err := PublicKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pubPEM, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("public key PEM: got %.30q, want PKIX", pubPEM)
	}
	pub, err := DecodePublicKeyPEM([]byte(pubPEM))
	if err != nil {
		t.Fatal(err)
	}
	if !key.PublicKey.Equal(pub) {
		t.Fatal("decoded public key differs from the encoded one")
	}
}

func TestDecodeKeyForms(t *testing.T) {
	key := cavageKey(t)
	pkcs1Pub := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
	for name, data := range map[string]string{
		"PKIX":                  cavagePublicKey,
		"PKCS#1":                string(pkcs1Pub),
		"PKIX after whitespace": "\n  " + cavagePublicKey,
	} {
		pub, err := DecodePublicKeyPEM([]byte(data))
		if err != nil {
			t.Errorf("%s: got %v, want nil", name, err)
			continue
		}
		if !key.PublicKey.Equal(pub) {
			t.Errorf("%s: decoded key differs", name)
		}
	}

	_, edPriv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(edPriv)
	if err != nil {
		t.Fatal(err)
	}
	edPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	bad := map[string]func() error{
		"private: no PEM":        func() error { _, err := DecodePrivateKeyPEM([]byte("not a key")); return err },
		"private: wrong type":    func() error { _, err := DecodePrivateKeyPEM([]byte(cavagePublicKey)); return err },
		"private: Ed25519 key":   func() error { _, err := DecodePrivateKeyPEM(edPEM); return err },
		"private: corrupt DER":   func() error { _, err := DecodePrivateKeyPEM(corruptPEM("RSA PRIVATE KEY")); return err },
		"private: corrupt PKCS8": func() error { _, err := DecodePrivateKeyPEM(corruptPEM("PRIVATE KEY")); return err },
		"public: no PEM":         func() error { _, err := DecodePublicKeyPEM(nil); return err },
		"public: wrong type":     func() error { _, err := DecodePublicKeyPEM([]byte(cavagePrivateKey)); return err },
		"public: corrupt PKIX":   func() error { _, err := DecodePublicKeyPEM(corruptPEM("PUBLIC KEY")); return err },
		"public: corrupt PKCS1":  func() error { _, err := DecodePublicKeyPEM(corruptPEM("RSA PUBLIC KEY")); return err },
		"encode: nil private":    func() error { _, err := EncodePrivateKeyPEM(nil); return err },
		"encode: nil public":     func() error { _, err := EncodePublicKeyPEM(nil); return err },
		"encode: nil for PEM":    func() error { _, err := PublicKeyPEM((*rsa.PrivateKey)(nil)); return err },
	}
	for name, f := range bad {
		if err := f(); err == nil {
			t.Errorf("%s: got nil, want an error", name)
		}
	}
}

func corruptPEM(typ string) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: []byte{0x30, 0x03, 0x02, 0x01}})
}

func TestNewSignerChecksArguments(t *testing.T) {
	key := cavageKey(t)
	clock := fixedClock(testNow)
	if _, err := NewSigner("", key, clock); err == nil {
		t.Error("empty key id: got nil, want an error")
	}
	if _, err := NewSigner("k", nil, clock); err == nil {
		t.Error("nil key: got nil, want an error")
	}
	if _, err := NewSigner("k", key, nil); err == nil {
		t.Error("nil clock: got nil, want an error")
	}
}
