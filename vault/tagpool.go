package vault

import (
	"runtime"
	"sync"

	"github.com/shopvault/shopvault/crypto"
)

// tagPool computes entry tags on one goroutine per core and adds them into
// per-bucket partial sums: a 4096-bit tag (an HMAC and a SHAKE256
// expansion, ~2 µs) is too dear for the goroutine that writes a large
// transaction (an import batch) or scans every entry (check, a re-sum).
// Each worker has its own tagger; they are not safe for concurrent use.
type tagPool struct {
	jobs    chan []tagJob
	batch   []tagJob
	wg      sync.WaitGroup
	mu      sync.Mutex
	partial map[string]*crypto.TagSum
}

// tagJob is one tag to add (or subtract) in its bucket's sum: of the
// entry whose H(value) is hash, or, when hashValue, of value (which must
// stay unchanged until sums returns: a scan's read transaction memory).
type tagJob struct {
	bucket    string
	key       []byte
	value     []byte
	hash      [32]byte
	hashValue bool
	sub       bool
}

// tagBatchSize is how many tags a worker takes at a time.
const tagBatchSize = 256

func newTagPool(t *tagger) *tagPool {
	n := runtime.GOMAXPROCS(0)
	p := &tagPool{jobs: make(chan []tagJob, 2*n), partial: map[string]*crypto.TagSum{}}
	p.batch = make([]tagJob, 0, tagBatchSize)
	for range n {
		tg := t.clone()
		p.wg.Add(1)
		go p.work(tg)
	}
	return p
}

func (p *tagPool) work(tg *tagger) {
	defer p.wg.Done()
	mine := map[string]*crypto.TagSum{}
	for batch := range p.jobs {
		for i := range batch {
			j := &batch[i]
			h := j.hash
			if j.hashValue {
				h = valueHash(j.bucket, j.value)
			}
			e := tg.tagHash(j.bucket, j.key, h)
			s := mine[j.bucket]
			if s == nil {
				s = new(crypto.TagSum)
				mine[j.bucket] = s
			}
			if j.sub {
				s.Sub(&e)
			} else {
				s.Add(&e)
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for b, s := range mine {
		if p.partial[b] == nil {
			p.partial[b] = new(crypto.TagSum)
		}
		p.partial[b].AddSum(s)
	}
}

func (p *tagPool) add(j tagJob) {
	p.batch = append(p.batch, j)
	if len(p.batch) == tagBatchSize {
		p.jobs <- p.batch
		p.batch = make([]tagJob, 0, tagBatchSize)
	}
}

// sums waits for every tag handed over and gives the partial sums by
// bucket (nil for a bucket given none). The pool takes no more jobs.
func (p *tagPool) sums() map[string]*crypto.TagSum {
	if len(p.batch) > 0 {
		p.jobs <- p.batch
		p.batch = nil
	}
	close(p.jobs)
	p.wg.Wait()
	return p.partial
}
