package contract_test

import (
	"context"
	"sync"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

var userCases = []testCase{
	{"users/create and read back", func(t *testing.T, s store) {
		alice := mustUser(t, s, "Alice", domain.LevelMember)
		if alice.ID() == 0 {
			t.Fatal("Create assigned no id")
		}
		noEmail, err := domain.NewUser("bob", "", "hash", "key-bob", domain.LevelGold, t0)
		if err != nil {
			t.Fatal(err)
		}
		do(t, s, func(ctx context.Context, st application.Store) error { return st.Users.Create(ctx, noEmail) })
		if noEmail.ID() == alice.ID() {
			t.Fatal("two users got one id")
		}
		sameUser(t, readUser(t, s, alice.ID()), alice)
		sameUser(t, readUser(t, s, noEmail.ID()), noEmail)
	}},

	{"users/a name taken in any case is a conflict", func(t *testing.T, s store) {
		mustUser(t, s, "Alice", domain.LevelMember)
		dup := newUser(t, "aLICE", domain.LevelMember)
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error { return st.Users.Create(ctx, dup) })
		wantKind(t, err, domain.KindConflict)
		if got := domain.MessageOf(err); got != "the name aLICE is taken" {
			t.Errorf("message = %q", got)
		}
		// The store still works, and the duplicate was not stored.
		mustUser(t, s, "carol", domain.LevelMember)
		do(t, s, func(ctx context.Context, st application.Store) error {
			u, err := st.Users.ByName(ctx, "alice")
			if err != nil {
				return err
			}
			if u.Name() != "Alice" {
				t.Errorf("ByName(alice) = %s, want the first Alice", u.Name())
			}
			return nil
		})
	}},

	{"users/ByName ignores case; missing users are not found", func(t *testing.T, s store) {
		alice := mustUser(t, s, "Alice", domain.LevelMember)
		do(t, s, func(ctx context.Context, st application.Store) error {
			for _, name := range []string{"Alice", "alice", "ALICE"} {
				u, err := st.Users.ByName(ctx, name)
				if err != nil {
					return err
				}
				sameUser(t, u, alice)
			}
			_, err := st.Users.ByName(ctx, "alicia")
			wantKind(t, err, domain.KindNotFound)
			_, err = st.Users.ByID(ctx, alice.ID()+1000)
			wantKind(t, err, domain.KindNotFound)
			_, err = st.Users.LockByID(ctx, alice.ID()+1000)
			wantKind(t, err, domain.KindNotFound)
			return nil
		})
	}},

	{"users/LockByID serialises read-modify-write", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		// Each worker flips the level it reads under the lock. Lost
		// updates would leave the parity of the flips wrong.
		const flips = 40
		var wg sync.WaitGroup
		errs := make(chan error, flips)
		for range flips {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
					u, err := st.Users.LockByID(ctx, alice.ID())
					if err != nil {
						return err
					}
					// Another round trip between the read and the write
					// widens the window an unlocked read would lose in.
					if _, err := st.Users.Owners(ctx); err != nil {
						return err
					}
					next := domain.LevelGold
					if u.Level() == domain.LevelGold {
						next = domain.LevelMember
					}
					if err := u.SetLevel(next); err != nil {
						return err
					}
					return st.Users.Update(ctx, u)
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := readUser(t, s, alice.ID()).Level(); got != domain.LevelMember {
			t.Fatalf("after %d flips from member the level is %s: an update was lost", flips, got)
		}
	}},

	{"users/Update stores level and ban", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		do(t, s, func(ctx context.Context, st application.Store) error {
			u, err := st.Users.LockByID(ctx, alice.ID())
			if err != nil {
				return err
			}
			if err := u.SetLevel(domain.LevelModerator); err != nil {
				return err
			}
			u.Ban()
			return st.Users.Update(ctx, u)
		})
		got := readUser(t, s, alice.ID())
		if got.Level() != domain.LevelModerator || !got.IsBanned() {
			t.Fatalf("after Update: level %s, banned %t", got.Level(), got.IsBanned())
		}
		// The unit of work reads its own writes.
		do(t, s, func(ctx context.Context, st application.Store) error {
			u, err := st.Users.LockByID(ctx, alice.ID())
			if err != nil {
				return err
			}
			if err := u.SetLevel(domain.LevelGold); err != nil {
				return err
			}
			if err := st.Users.Update(ctx, u); err != nil {
				return err
			}
			again, err := st.Users.ByName(ctx, "alice")
			if err == nil && again.Level() != domain.LevelGold {
				t.Errorf("read back in the same unit of work: %s, want gold", again.Level())
			}
			return err
		})
	}},

	{"users/Owners lists the owners only, in id order", func(t *testing.T, s store) {
		o1 := mustUser(t, s, "owner1", domain.LevelOwner)
		mustUser(t, s, "admin", domain.LevelAdmin)
		mustUser(t, s, "member", domain.LevelMember)
		o2 := mustUser(t, s, "owner2", domain.LevelOwner)
		do(t, s, func(ctx context.Context, st application.Store) error {
			owners, err := st.Users.Owners(ctx)
			if err != nil {
				return err
			}
			if len(owners) != 2 || owners[0].ID() != o1.ID() || owners[1].ID() != o2.ID() {
				t.Fatalf("Owners = %v, want owner1 and owner2", owners)
			}
			sameUser(t, owners[1], o2)
			return nil
		})
	}},

	{"users/only the API key's digest is stored; Update stores a new one, the password and the session generation", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		got := readUser(t, s, alice.ID())
		if got.APIKey() != "" || !got.HasAPIKey("key-alice") || got.APIKeyHash() != domain.HashAPIKey("key-alice") {
			t.Fatalf("read back: key %q, digest %q", got.APIKey(), got.APIKeyHash())
		}
		do(t, s, func(ctx context.Context, st application.Store) error {
			u, err := st.Users.LockByID(ctx, alice.ID())
			if err != nil {
				return err
			}
			if err := u.RotateAPIKey("another key"); err != nil {
				return err
			}
			if err := u.SetPasswordHash("another hash"); err != nil {
				return err
			}
			u.EndSessions()
			return st.Users.Update(ctx, u)
		})
		got = readUser(t, s, alice.ID())
		if got.HasAPIKey("key-alice") || !got.HasAPIKey("another key") || got.PasswordHash() != "another hash" {
			t.Fatalf("after Update: digest %q, password hash %q", got.APIKeyHash(), got.PasswordHash())
		}
		if got.SessionGeneration() != alice.SessionGeneration()+2 {
			t.Fatalf("session generation %d after two ends, from %d", got.SessionGeneration(), alice.SessionGeneration())
		}
	}},

	{"users/concurrent session ends are each counted", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		const ends = 20
		var wg sync.WaitGroup
		errs := make(chan error, ends)
		for range ends {
			wg.Go(func() {
				errs <- s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
					u, err := st.Users.LockByID(ctx, alice.ID())
					if err != nil {
						return err
					}
					u.EndSessions()
					return st.Users.Update(ctx, u)
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := readUser(t, s, alice.ID()).SessionGeneration(); got != ends {
			t.Fatalf("generation %d after %d ends", got, ends)
		}
	}},
}
