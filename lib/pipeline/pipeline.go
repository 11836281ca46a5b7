// Package pipeline runs a function over a stream of batches on several
// goroutines and hands the results back in input order, with bounded memory:
// at most 2×threads batches are in flight (gofmt's sequencer is the model).
package pipeline

import (
	"context"
	"sync"
)

// Ordered reads batches from next until it returns ok=false, applies work to
// each on up to threads goroutines, and calls emit with the results in the
// order the batches were read. The first error (from next, work or emit)
// cancels the rest and is returned; so is ctx's error.
func Ordered[In, Out any](ctx context.Context, threads int,
	next func() (In, bool, error),
	work func(In) (Out, error),
	emit func(Out) error) error {
	if threads < 1 {
		threads = 1
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	type job struct {
		in  In
		out chan result[Out]
	}
	jobs := make(chan job, threads)
	order := make(chan chan result[Out], 2*threads)

	var wg sync.WaitGroup
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				o, err := work(j.in)
				j.out <- result[Out]{o, err}
			}
		}()
	}

	go func() { // reader: keeps the order queue and the job queue in step
		defer close(order)
		defer close(jobs)
		for {
			in, ok, err := next()
			if err != nil {
				cancel(err)
				return
			}
			if !ok {
				return
			}
			ch := make(chan result[Out], 1)
			select {
			case order <- ch:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{in, ch}:
			case <-ctx.Done():
				return
			}
		}
	}()

	var err error
	for ch := range order {
		var r result[Out]
		select {
		case r = <-ch:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		if r.err != nil {
			cancel(r.err)
			break
		}
		if e := emit(r.out); e != nil {
			cancel(e)
			break
		}
	}
	// Drain so the reader and workers can finish.
	go func() {
		for ch := range order {
			go func() { <-ch }()
		}
	}()
	wg.Wait()
	if ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	return err
}

type result[T any] struct {
	out T
	err error
}
