// Package minhash finds near-duplicate texts: a datatrove-style normalizer,
// word (or character) n-gram shingles, MinHash signatures, LSH band keys with
// their collision curve, exact Jaccard on shingle sets and a 128-bit exact hash.
//
// The pipeline for one text is
//
//	Normalize → Shingles → Signature → BandKey (one per band)
//
// and two texts are called near duplicates only after Jaccard on their
// shingle sets confirms what the band collision suggested.
package minhash
