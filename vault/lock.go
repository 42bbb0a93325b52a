package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// fileLock is an flock on PATH.lock held for a whole command. It sits beside
// bbolt's own lock because compaction and restore replace the vault file by
// rename: a process waiting on the old file's lock would otherwise wake up
// holding a lock on an unlinked file and write into it.
type fileLock struct{ f *os.File }

func acquireLock(vaultPath string, exclusive bool, wait time.Duration) (*fileLock, error) {
	// A vault shared with a helper's account through a group (README,
	// step 5): the lock file is as open as the vault, and flock needs only
	// read access, so a lock file someone else made still locks.
	mode := os.FileMode(0o600)
	if st, err := os.Stat(vaultPath); err == nil {
		mode = st.Mode().Perm() & 0o660
	}
	// O_NOFOLLOW: whoever can write the vault's folder could plant a link
	// there, and the open would create a file where it points, as us.
	f, err := os.OpenFile(vaultPath+".lock", os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, mode)
	if errors.Is(err, fs.ErrPermission) {
		f, err = os.OpenFile(vaultPath+".lock", os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("the lock file %s.lock is a symbolic link, which shopvault never makes: someone who can write the vault's folder put it there; delete it and run the command again", vaultPath)
	}
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return &fileLock{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close() // nothing was locked; the lock error says what went wrong
			return nil, fmt.Errorf("lock vault: %w", err)
		}
		if time.Now().After(deadline) {
			_ = f.Close() // nothing was locked
			return nil, ErrLocked
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (l *fileLock) release() {
	if l == nil || l.f == nil {
		return
	}
	// Closing the file releases the lock anyway, and the lock file is
	// empty: neither error can lose anything.
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
	l.f = nil
}
