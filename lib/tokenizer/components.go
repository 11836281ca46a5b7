package tokenizer

import (
	"encoding/json"
	"fmt"
	"regexp"

	"golang.org/x/text/unicode/norm"
)

// Building the normalizer, pre-tokenizer and decoder from their JSON, with
// an error naming any component or option that is not implemented.

func buildNormalizer(raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	typ, err := typeOf(raw)
	if err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	switch typ {
	case "NFC":
		return unicodeNorm{norm.NFC}, nil
	case "NFD":
		return unicodeNorm{norm.NFD}, nil
	case "NFKC":
		return unicodeNorm{norm.NFKC}, nil
	case "NFKD":
		return unicodeNorm{norm.NFKD}, nil
	case "Lowercase":
		return lowercaseNorm{}, nil
	case "Prepend":
		var p struct{ Prepend string }
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("normalizer Prepend: %w", err)
		}
		return prependNorm{p.Prepend}, nil
	case "Replace":
		var p struct {
			Pattern pattern
			Content string
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		if p.Pattern.String != nil {
			return replaceNorm{lit: *p.Pattern.String, content: p.Content}, nil
		}
		if p.Pattern.Regex != nil {
			re, err := regexp.Compile(*p.Pattern.Regex)
			if err != nil {
				return nil, fmt.Errorf("normalizer Replace: unsupported regex %q: %v", *p.Pattern.Regex, err)
			}
			return replaceNorm{re: re, content: p.Content}, nil
		}
		return nil, fmt.Errorf("normalizer Replace: no pattern")
	case "Strip":
		var p struct {
			Left  bool `json:"strip_left"`
			Right bool `json:"strip_right"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("normalizer Strip: %w", err)
		}
		return stripNorm{p.Left, p.Right}, nil
	case "Sequence":
		var p struct{ Normalizers []json.RawMessage }
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("normalizer Sequence: %w", err)
		}
		var seq sequenceNorm
		for _, r := range p.Normalizers {
			n, err := buildNormalizer(r)
			if err != nil {
				return nil, err
			}
			if n != nil {
				seq = append(seq, n)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("unsupported normalizer %q (supported: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence)", typ)
}

// buildPreTokenizer also reports whether a ByteLevel step is present, which
// makes the BPE model work on raw bytes.
func buildPreTokenizer(raw json.RawMessage) (preTokenizer, bool, error) {
	if isNull(raw) {
		return nil, false, nil
	}
	typ, err := typeOf(raw)
	if err != nil {
		return nil, false, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch typ {
	case "Split":
		var p struct {
			Pattern  pattern
			Behavior string
			Invert   bool
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, false, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		sp := &splitPre{invert: p.Invert}
		switch p.Behavior {
		case "Isolated":
			sp.behavior = isolated
		case "Removed":
			sp.behavior = removed
		case "MergedWithPrevious":
			sp.behavior = mergedWithPrevious
		case "MergedWithNext":
			sp.behavior = mergedWithNext
		case "Contiguous":
			sp.behavior = contiguous
		default:
			return nil, false, fmt.Errorf("pre_tokenizer Split: unsupported behavior %q", p.Behavior)
		}
		switch {
		case p.Pattern.String != nil:
			sp.m = literalMatcher{*p.Pattern.String}
		case p.Pattern.Regex != nil:
			if m := knownPattern(*p.Pattern.Regex); m != nil {
				sp.m = m
				break
			}
			re, err := regexp.Compile(*p.Pattern.Regex)
			if err != nil {
				return nil, false, fmt.Errorf("pre_tokenizer Split: unsupported regex %q (Go's regexp: %v; hand-written matchers exist for the GPT-2, Qwen2 and Llama 3 patterns)", *p.Pattern.Regex, err)
			}
			sp.m = regexMatcher{re}
		default:
			return nil, false, fmt.Errorf("pre_tokenizer Split: no pattern")
		}
		return sp, false, nil
	case "ByteLevel":
		var p struct {
			AddPrefixSpace bool  `json:"add_prefix_space"`
			UseRegex       *bool `json:"use_regex"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, false, fmt.Errorf("pre_tokenizer ByteLevel: %w", err)
		}
		bl := &byteLevelPre{addPrefixSpace: p.AddPrefixSpace}
		if p.UseRegex == nil || *p.UseRegex {
			bl.regex = &splitPre{m: knownPattern(patternGPT2), behavior: isolated}
		}
		return bl, true, nil
	case "Metaspace":
		ms, err := metaspaceSpec(raw)
		if err != nil {
			return nil, false, fmt.Errorf("pre_tokenizer Metaspace: %w", err)
		}
		return &metaspacePre{repl: ms.Replacement, prepend: ms.scheme(), splitAt: ms.Split == nil || *ms.Split}, false, nil
	case "Digits":
		var p struct {
			Individual bool `json:"individual_digits"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, false, fmt.Errorf("pre_tokenizer Digits: %w", err)
		}
		return &digitsPre{p.Individual}, false, nil
	case "WhitespaceSplit":
		return whitespaceSplitPre{}, false, nil
	case "Sequence":
		var p struct{ Pretokenizers []json.RawMessage }
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, false, fmt.Errorf("pre_tokenizer Sequence: %w", err)
		}
		var seq sequencePre
		anyByte := false
		for _, r := range p.Pretokenizers {
			pt, bl, err := buildPreTokenizer(r)
			if err != nil {
				return nil, false, err
			}
			anyByte = anyByte || bl
			if pt != nil {
				seq = append(seq, pt)
			}
		}
		return seq, anyByte, nil
	}
	return nil, false, fmt.Errorf("unsupported pre_tokenizer %q (supported: Split, ByteLevel, Metaspace, Digits, WhitespaceSplit, Sequence)", typ)
}

type metaspace struct {
	Replacement    string  `json:"replacement"`
	PrependScheme  *string `json:"prepend_scheme"`
	AddPrefixSpace *bool   `json:"add_prefix_space"`
	Split          *bool   `json:"split"`
}

func metaspaceSpec(raw json.RawMessage) (*metaspace, error) {
	var ms metaspace
	if err := json.Unmarshal(raw, &ms); err != nil {
		return nil, err
	}
	if ms.Replacement == "" {
		ms.Replacement = "▁"
	}
	return &ms, nil
}

// scheme resolves the old add_prefix_space flag and the newer prepend_scheme.
func (m *metaspace) scheme() string {
	if m.PrependScheme != nil {
		return *m.PrependScheme
	}
	if m.AddPrefixSpace != nil && !*m.AddPrefixSpace {
		return "never"
	}
	return "always"
}

func buildDecoder(raw json.RawMessage) (decoder, error) {
	if isNull(raw) {
		return nil, nil
	}
	typ, err := typeOf(raw)
	if err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	switch typ {
	case "ByteLevel":
		return &byteLevelDec{}, nil
	case "Metaspace":
		ms, err := metaspaceSpec(raw)
		if err != nil {
			return nil, fmt.Errorf("decoder Metaspace: %w", err)
		}
		return metaspaceDec{repl: ms.Replacement, stripPrepend: ms.scheme() != "never"}, nil
	case "ByteFallback":
		return byteFallbackDec{}, nil
	case "Fuse":
		return fuseDec{}, nil
	case "Strip":
		var p struct {
			Content     string
			Start, Stop int
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("decoder Strip: %w", err)
		}
		return stripDec{p.Content, p.Start, p.Stop}, nil
	case "Replace":
		var p struct {
			Pattern pattern
			Content string
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("decoder Replace: %w", err)
		}
		if p.Pattern.String == nil {
			return nil, fmt.Errorf("decoder Replace: only String patterns are supported")
		}
		return replaceDec{*p.Pattern.String, p.Content}, nil
	case "Sequence":
		var p struct{ Decoders []json.RawMessage }
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("decoder Sequence: %w", err)
		}
		var seq sequenceDec
		for _, r := range p.Decoders {
			d, err := buildDecoder(r)
			if err != nil {
				return nil, err
			}
			if d != nil {
				seq = append(seq, d)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("unsupported decoder %q (supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence)", typ)
}
