package keys

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/nacl/secretbox"
)

// naclSalt is the fixed Argon2i salt of btwallet's $NACL key files.
var naclSalt = []byte{0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1}

// Argon2i parameters of libsodium's "sensitive" limits, which btwallet uses.
// Variables so tests can encrypt with cheap ones.
var (
	naclOps    uint32 = 8
	naclMemKiB uint32 = 512 * 1024
)

// WalletFile is the JSON of a Bittensor key file.
type WalletFile struct {
	AccountID    string `json:"accountId"`
	PublicKey    string `json:"publicKey"`
	PrivateKey   string `json:"privateKey"`
	SecretPhrase string `json:"secretPhrase"`
	SecretSeed   string `json:"secretSeed"`
	SS58Address  string `json:"ss58Address"`
}

// HotkeyPath is where btcli keeps a hotkey: DIR/NAME/hotkeys/HOTKEY.
func HotkeyPath(dir, name, hotkey string) string {
	return filepath.Join(expandHome(dir), name, "hotkeys", hotkey)
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, p[1:])
		}
	}
	return p
}

// LoadWallet reads a key file. password is asked for only when the file is
// $NACL-encrypted (it may be nil otherwise). warn receives a warning when the
// file is readable by group or others.
func LoadWallet(path string, password func() (string, error), warn func(string)) (*Keypair, error) {
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 && warn != nil {
		warn(fmt.Sprintf("key file %s is readable by group or others (mode %04o); chmod 600 it", path, st.Mode().Perm()))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	kp, err := ParseWallet(data, password)
	if err != nil {
		return nil, fmt.Errorf("wallet %s: %w", path, err)
	}
	return kp, nil
}

// ParseWallet decodes key file bytes (plain JSON or $NACL-encrypted).
func ParseWallet(data []byte, password func() (string, error)) (*Keypair, error) {
	switch {
	case bytes.HasPrefix(data, []byte("$NACL")):
		if password == nil {
			return nil, errors.New("the key file is encrypted; give its password with --password-env VAR")
		}
		pw, err := password()
		if err != nil {
			return nil, err
		}
		plain, err := DecryptNACL(data, pw)
		if err != nil {
			return nil, err
		}
		data = plain
	case bytes.HasPrefix(data, []byte("$ANSIBLE_VAULT")):
		return nil, errors.New("legacy Ansible-vault key file: re-encrypt it with a current btcli (btcli wallet update) first")
	case bytes.HasPrefix(data, []byte("gAAAAA")):
		return nil, errors.New("legacy Fernet-encrypted key file: re-encrypt it with a current btcli first")
	}
	var w WalletFile
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, errors.New("not a Bittensor key file (want JSON with secretSeed, secretPhrase or privateKey)")
	}
	return w.Keypair()
}

// Keypair builds the key pair from the most direct secret the file holds.
func (w *WalletFile) Keypair() (*Keypair, error) {
	var kp *Keypair
	var err error
	switch {
	case w.SecretSeed != "":
		var b []byte
		if b, err = unhex(w.SecretSeed); err == nil {
			kp, err = FromMiniSecret(b)
		}
	case w.SecretPhrase != "":
		kp, err = FromMnemonic(w.SecretPhrase, "")
	case w.PrivateKey != "":
		var b []byte
		if b, err = unhex(w.PrivateKey); err == nil {
			kp, err = FromSecretKey(b)
		}
	default:
		return nil, errors.New("key file has no secretSeed, secretPhrase or privateKey (a public-only key cannot sign)")
	}
	if err != nil {
		return nil, err
	}
	if w.SS58Address != "" && w.SS58Address != kp.Address() {
		return nil, fmt.Errorf("key file's ss58Address %s does not match its secret (%s)", w.SS58Address, kp.Address())
	}
	return kp, nil
}

func unhex(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return nil, errors.New("key file holds a malformed hex secret")
	}
	return b, nil
}

func naclKey(password string) *[32]byte {
	var k [32]byte
	copy(k[:], argon2.Key([]byte(password), naclSalt, naclOps, naclMemKiB, 1, 32))
	return &k
}

// DecryptNACL opens a $NACL key file: "$NACL" ‖ nonce(24) ‖ secretbox, with
// the key from Argon2i over the password.
func DecryptNACL(data []byte, password string) ([]byte, error) {
	body := bytes.TrimPrefix(data, []byte("$NACL"))
	if len(body) < 24+secretbox.Overhead {
		return nil, errors.New("encrypted key file is truncated")
	}
	var nonce [24]byte
	copy(nonce[:], body[:24])
	plain, ok := secretbox.Open(nil, body[24:], &nonce, naclKey(password))
	if !ok {
		return nil, errors.New("wrong password for the encrypted key file (or the file is damaged)")
	}
	return plain, nil
}

// EncryptNACL seals plain the way btwallet does (nonce must be random and fresh).
func EncryptNACL(plain []byte, password string, nonce [24]byte) []byte {
	out := append([]byte("$NACL"), nonce[:]...)
	return secretbox.Seal(out, plain, &nonce, naclKey(password))
}

// NewWalletFile describes kp's mini secret as btcli writes a plaintext hotkey.
func NewWalletFile(miniSecret []byte, phrase string) (*WalletFile, error) {
	kp, err := FromMiniSecret(miniSecret)
	if err != nil {
		return nil, err
	}
	pub := kp.PublicKey()
	sk := kp.secret.Encode()
	h := sha512.Sum512(miniSecret) // Ed25519-mode expansion: the nonce is the hash's upper half
	return &WalletFile{
		AccountID:    "0x" + hex.EncodeToString(pub[:]),
		PublicKey:    "0x" + hex.EncodeToString(pub[:]),
		PrivateKey:   "0x" + hex.EncodeToString(append(sk[:], h[32:]...)),
		SecretPhrase: phrase,
		SecretSeed:   "0x" + hex.EncodeToString(miniSecret),
		SS58Address:  kp.Address(),
	}, nil
}
