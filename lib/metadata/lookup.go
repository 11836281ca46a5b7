package metadata

import "fmt"

// Pallet finds a pallet by name.
func (m *Metadata) Pallet(name string) (*Pallet, error) {
	for _, p := range m.Pallets {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("metadata: the runtime has no pallet %s", name)
}

// PalletByIndex finds a pallet by its index.
func (m *Metadata) PalletByIndex(idx uint8) (*Pallet, bool) {
	for _, p := range m.Pallets {
		if p.Index == idx {
			return p, true
		}
	}
	return nil, false
}

// Call resolves pallet.call to its pallet index and variant (index and fields).
func (m *Metadata) Call(pallet, call string) (*Pallet, *VariantDef, error) {
	p, err := m.Pallet(pallet)
	if err != nil {
		return nil, nil, err
	}
	if p.Calls < 0 {
		return nil, nil, fmt.Errorf("metadata: pallet %s has no calls", pallet)
	}
	t, err := m.Types.Type(uint32(p.Calls))
	if err != nil {
		return nil, nil, err
	}
	v, ok := t.VariantByName(call)
	if !ok {
		return nil, nil, fmt.Errorf("metadata: pallet %s has no call %s", pallet, call)
	}
	return p, v, nil
}

// Storage finds pallet.entry.
func (m *Metadata) Storage(pallet, entry string) (*Pallet, *StorageEntry, error) {
	p, err := m.Pallet(pallet)
	if err != nil {
		return nil, nil, err
	}
	for i := range p.Storage {
		if p.Storage[i].Name == entry {
			return p, &p.Storage[i], nil
		}
	}
	return nil, nil, fmt.Errorf("metadata: pallet %s has no storage %s", pallet, entry)
}

// HasStorage reports whether pallet.entry exists.
func (m *Metadata) HasStorage(pallet, entry string) bool {
	_, _, err := m.Storage(pallet, entry)
	return err == nil
}

// Constant finds pallet.name.
func (m *Metadata) Constant(pallet, name string) (*Constant, error) {
	p, err := m.Pallet(pallet)
	if err != nil {
		return nil, err
	}
	for i := range p.Constants {
		if p.Constants[i].Name == name {
			return &p.Constants[i], nil
		}
	}
	return nil, fmt.Errorf("metadata: pallet %s has no constant %s", pallet, name)
}

// ModuleError names a DispatchError::Module: the pallet's error variant with its docs.
type ModuleError struct {
	Pallet string
	Name   string
	Docs   []string
}

func (e *ModuleError) Error() string {
	s := e.Pallet + "." + e.Name
	if len(e.Docs) > 0 {
		s += ": " + joinDocs(e.Docs)
	}
	return s
}

func joinDocs(docs []string) string {
	s := ""
	for _, d := range docs {
		if d == "" {
			continue
		}
		if s != "" {
			s += " "
		}
		s += trimSpace(d)
	}
	return s
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

// ModuleErrorOf resolves a pallet index and the first byte of its error to names and docs.
func (m *Metadata) ModuleErrorOf(palletIdx, errIdx uint8) (*ModuleError, error) {
	p, ok := m.PalletByIndex(palletIdx)
	if !ok {
		return nil, fmt.Errorf("metadata: no pallet with index %d", palletIdx)
	}
	if p.Error < 0 {
		return nil, fmt.Errorf("metadata: pallet %s has no errors", p.Name)
	}
	t, err := m.Types.Type(uint32(p.Error))
	if err != nil {
		return nil, err
	}
	v, ok := t.VariantByIndex(errIdx)
	if !ok {
		return nil, fmt.Errorf("metadata: pallet %s has no error %d", p.Name, errIdx)
	}
	return &ModuleError{Pallet: p.Name, Name: v.Name, Docs: v.Docs}, nil
}
