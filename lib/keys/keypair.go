// Package keys holds sr25519 key pairs (schnorrkel, signing context
// "substrate"), SS58 addresses, substrate-bip39 mnemonics and Bittensor wallet
// files. Secrets never leave a Keypair in printable form: it formats as its
// address only.
package keys

import (
	"errors"
	"fmt"
	"strings"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
)

// SigningContext is the schnorrkel context Substrate signs under.
var SigningContext = []byte("substrate")

// Keypair is an sr25519 key pair.
type Keypair struct {
	secret *schnorrkel.SecretKey
	public [32]byte
}

// FromMiniSecret expands a 32-byte mini secret (a wallet's secretSeed, or
// what a mnemonic becomes) the way Substrate does (Ed25519 mode).
func FromMiniSecret(seed []byte) (*Keypair, error) {
	if len(seed) != 32 {
		return nil, fmt.Errorf("keys: mini secret is %d bytes, want 32", len(seed))
	}
	var b [32]byte
	copy(b[:], seed)
	ms, err := schnorrkel.NewMiniSecretKeyFromRaw(b)
	if err != nil {
		return nil, err
	}
	return fromSecret(ms.ExpandEd25519())
}

// FromSecretKey takes a 64-byte schnorrkel secret key (scalar ‖ nonce), the
// form of a wallet file's privateKey.
func FromSecretKey(b []byte) (*Keypair, error) {
	if len(b) != 64 {
		return nil, fmt.Errorf("keys: secret key is %d bytes, want 64", len(b))
	}
	var k, nonce [32]byte
	copy(k[:], b[:32])
	copy(nonce[:], b[32:])
	return fromSecret(schnorrkel.NewSecretKey(k, nonce))
}

func fromSecret(sk *schnorrkel.SecretKey) (*Keypair, error) {
	pub, err := sk.Public()
	if err != nil {
		return nil, err
	}
	return &Keypair{secret: sk, public: pub.Encode()}, nil
}

// MiniSecretFromMnemonic turns a BIP39 phrase into a mini secret as
// substrate-bip39 does: PBKDF2-HMAC-SHA512 over the phrase's entropy (not its
// text), salt "mnemonic"+password, 2048 rounds, first 32 bytes.
func MiniSecretFromMnemonic(phrase, password string) ([]byte, error) {
	phrase = strings.Join(strings.Fields(phrase), " ")
	if phrase == "" {
		return nil, errors.New("keys: empty mnemonic")
	}
	seed, err := schnorrkel.SeedFromMnemonic(phrase, password)
	if err != nil {
		// The library's message may quote the words; say only what is wrong.
		return nil, errors.New("keys: invalid mnemonic (unknown word, wrong length or bad checksum)")
	}
	return seed[:32], nil
}

// FromMnemonic derives the key pair of a BIP39 phrase (no derivation path).
func FromMnemonic(phrase, password string) (*Keypair, error) {
	ms, err := MiniSecretFromMnemonic(phrase, password)
	if err != nil {
		return nil, err
	}
	return FromMiniSecret(ms)
}

// PublicKey is the 32-byte public key (the AccountId).
func (k *Keypair) PublicKey() [32]byte { return k.public }

// Address is the SS58 address (prefix 42).
func (k *Keypair) Address() string { return SS58Encode(k.public[:], SubstratePrefix) }

// String shows the address only, so a key printed by mistake leaks nothing.
func (k *Keypair) String() string { return k.Address() }

// GoString keeps %#v from dumping the secret.
func (k *Keypair) GoString() string { return "keys.Keypair(" + k.Address() + ")" }

// Sign signs msg under the "substrate" context.
func (k *Keypair) Sign(msg []byte) ([64]byte, error) {
	sig, err := k.secret.Sign(schnorrkel.NewSigningContext(SigningContext, msg))
	if err != nil {
		return [64]byte{}, err
	}
	return sig.Encode(), nil
}

// Verify checks an sr25519 signature of msg by the 32-byte public key pub.
func Verify(pub []byte, msg []byte, sig []byte) bool {
	if len(pub) != 32 || len(sig) != 64 {
		return false
	}
	var pb [32]byte
	var sb [64]byte
	copy(pb[:], pub)
	copy(sb[:], sig)
	pk, err := schnorrkel.NewPublicKey(pb)
	if err != nil {
		return false
	}
	s := new(schnorrkel.Signature)
	if err := s.Decode(sb); err != nil {
		return false
	}
	ok, err := pk.Verify(s, schnorrkel.NewSigningContext(SigningContext, msg))
	return err == nil && ok
}
