//go:build !amd64 || purego

package tensor

func archKernels() []microKernel { return nil }
