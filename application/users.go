package application

import (
	"context"
	"strings"
	"sync"
	"time"

	"upgrades/domain"
)

// SignUp creates a member account. Network is the client's network
// (ClientNetwork), for the throttle.
type SignUp struct {
	Name, Password, Email string
	Network               string
}

type SignUpHandler struct{ d Deps }

// Handle spends an attempt of the network's sign-up allowance first: each
// sign-up costs a password hash, and names are not to be squatted in bulk.
// A refused sign-up (a taken name, a short password) counts too.
func (h SignUpHandler) Handle(ctx context.Context, cmd SignUp) (*domain.User, error) {
	keys := []Allowance{{Key: "signup-net:" + cmd.Network, Limit: signupsPerNetwork}}
	wait, err := h.d.Throttles.Take(ctx, h.d.Clock.Now(), keys, func(levels []float64) time.Duration {
		return signupsPerNetwork.Wait(levels[0])
	})
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, tooMany("too many sign-ups from your network", wait)
	}
	return createUser(ctx, h.d, cmd.Name, cmd.Password, cmd.Email, domain.LevelMember)
}

// CreateUser creates an account at any level (operators only).
type CreateUser struct {
	Name, Password, Email string
	Level                 domain.Level
}

type CreateUserHandler struct{ d Deps }

func (h CreateUserHandler) Handle(ctx context.Context, cmd CreateUser) (*domain.User, error) {
	return createUser(ctx, h.d, cmd.Name, cmd.Password, cmd.Email, cmd.Level)
}

func createUser(ctx context.Context, d Deps, name, password, email string, level domain.Level) (*domain.User, error) {
	name = strings.TrimSpace(name)
	if err := domain.ValidateUserName(name); err != nil {
		return nil, err
	}
	if err := domain.CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := d.Passwords.Hash(password)
	if err != nil {
		return nil, err
	}
	key, err := d.Tokens.NewToken()
	if err != nil {
		return nil, err
	}
	u, err := domain.NewUser(name, email, hash, key, level, d.Clock.Now())
	if err != nil {
		return nil, err
	}
	err = d.UoW.Do(ctx, func(ctx context.Context, s Store) error { return s.Users.Create(ctx, u) })
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Login checks a name and password. Network is the client's network
// (ClientNetwork), for the throttle.
type Login struct{ Name, Password, Network string }

// LoginHandler's dummyHash makes a login for an unknown name cost as much
// as a real one, so that timing does not tell which names exist.
type LoginHandler struct {
	d         Deps
	dummyHash func() string
}

func newLoginHandler(d Deps) LoginHandler {
	return LoginHandler{d, sync.OnceValue(func() string {
		h, _ := d.Passwords.Hash("not the password of anyone")
		return h
	})}
}

// Handle spends an attempt of the allowances of the network, of the name
// from that network and of the name (loginAllowances) before the password
// is even looked at, so that a guesser learns nothing once one is used up;
// a right password gives them back. Names nobody has are rationed too, so
// the throttle does not tell which exist.
func (h LoginHandler) Handle(ctx context.Context, cmd Login) (*domain.User, error) {
	name := strings.ToLower(strings.TrimSpace(cmd.Name))
	if err := takeLoginAttempt(ctx, h.d, name, cmd.Network); err != nil {
		return nil, err
	}
	u, err := h.check(ctx, cmd)
	if err == nil {
		giveLoginAttemptBack(ctx, h.d, name, cmd.Network)
		if u.IsBanned() {
			return nil, banned()
		}
	}
	return u, err
}

func takeLoginAttempt(ctx context.Context, d Deps, name, network string) error {
	var why string
	wait, err := d.Throttles.Take(ctx, d.Clock.Now(), loginAllowances(name, network), func(levels []float64) (wait time.Duration) {
		wait, why = decideLogin(levels)
		return wait
	})
	if err != nil {
		return err
	}
	if wait > 0 {
		return tooMany("too many failed logins "+why, wait)
	}
	return nil
}

// giveLoginAttemptBack is best effort: the password was right, and failing
// the login because the throttle's store hiccupped would help nobody.
func giveLoginAttemptBack(ctx context.Context, d Deps, name, network string) {
	if err := d.Throttles.Return(ctx, d.Clock.Now(), loginAllowances(name, network)); err != nil {
		d.Logger.Warn("giving a login attempt back failed", "err", err)
	}
}

func banned() error {
	return domain.Errorf(domain.KindForbidden, "this account is banned")
}

func (h LoginHandler) check(ctx context.Context, cmd Login) (*domain.User, error) {
	wrong := domain.Errorf(domain.KindUnauthenticated, "wrong name or password")
	u, err := userByName(ctx, h.d, cmd.Name)
	if domain.IsKind(err, domain.KindNotFound) || domain.IsKind(err, domain.KindInvalid) {
		h.d.Passwords.Verify(h.dummyHash(), cmd.Password)
		return nil, wrong
	}
	if err != nil {
		return nil, err
	}
	// bcrypt compares only the first 72 bytes: a longer password would
	// log in with anything appended to the real one. None can be set.
	if len(cmd.Password) > domain.MaxPasswordBytes || !h.d.Passwords.Verify(u.PasswordHash(), cmd.Password) {
		return nil, wrong
	}
	return u, nil
}

func tooMany(what string, wait time.Duration) error {
	wait = (wait + time.Second - 1).Truncate(time.Second) // never "try again in 0s"
	e := domain.Errorf(domain.KindTooManyRequests, "%s; try again in %s", what, wait)
	e.RetryAfter = wait
	return e
}

// AuthenticateAPIKey checks an API client's name and key.
type AuthenticateAPIKey struct{ Name, Key string }

type AuthenticateAPIKeyHandler struct{ d Deps }

func (h AuthenticateAPIKeyHandler) Handle(ctx context.Context, cmd AuthenticateAPIKey) (*domain.User, error) {
	wrong := domain.Errorf(domain.KindUnauthenticated, "wrong name or API key")
	u, err := userByName(ctx, h.d, cmd.Name)
	if domain.IsKind(err, domain.KindNotFound) || domain.IsKind(err, domain.KindInvalid) {
		return nil, wrong
	}
	if err != nil {
		return nil, err
	}
	if !u.HasAPIKey(cmd.Key) {
		return nil, wrong
	}
	if u.IsBanned() {
		return nil, banned()
	}
	return u, nil
}

// CurrentUser reads the user of a session: its user id and the generation
// of that user's sessions it was started in. A vanished account, or a
// session of an earlier generation (ended by a logout, a password change
// or a revocation), is unauthenticated; a banned user is forbidden.
type CurrentUser struct {
	ID         domain.UserID
	Generation int64
}

// SessionUser is the user of a session, with the number of their unread
// messages that every page shows.
type SessionUser struct {
	User   *domain.User
	Unread int
}

type CurrentUserHandler struct{ d Deps }

func (h CurrentUserHandler) Handle(ctx context.Context, cmd CurrentUser) (SessionUser, error) {
	var su SessionUser
	err := h.d.UoW.Read(ctx, func(ctx context.Context, s Store) (err error) {
		su.User, su.Unread, err = s.Users.ByIDCountingUnread(ctx, cmd.ID)
		return err
	})
	u := su.User
	switch {
	case domain.IsKind(err, domain.KindNotFound):
		return SessionUser{}, domain.Errorf(domain.KindUnauthenticated, "log in first")
	case err != nil:
		return SessionUser{}, err
	case u.IsBanned():
		// Before the generation: a ban ends the sessions too, but the
		// person should hear why they are refused.
		return SessionUser{}, banned()
	case u.SessionGeneration() != cmd.Generation:
		return SessionUser{}, domain.Errorf(domain.KindUnauthenticated, "your session has ended; log in again")
	}
	return su, nil
}

// Logout ends every session of the user, when the session logging out is
// still one of them: a cookie already ended cannot end its successors.
type Logout struct {
	ID         domain.UserID
	Generation int64
}

type LogoutHandler struct{ d Deps }

func (h LogoutHandler) Handle(ctx context.Context, cmd Logout) error {
	return h.d.UoW.Do(ctx, func(ctx context.Context, s Store) error {
		u, err := s.Users.LockByID(ctx, cmd.ID)
		if domain.IsKind(err, domain.KindNotFound) {
			return nil
		}
		if err != nil || u.SessionGeneration() != cmd.Generation {
			return err
		}
		u.EndSessions()
		return s.Users.Update(ctx, u)
	})
}

// RevokeSessions ends every session of a user (operators only).
type RevokeSessions struct {
	By           Actor
	Name, Reason string
}

type RevokeSessionsHandler struct{ d Deps }

func (h RevokeSessionsHandler) Handle(ctx context.Context, cmd RevokeSessions) (*domain.User, error) {
	return updateUser(ctx, h.d, cmd.Name, audited{domain.AuditSessionRevocation, cmd.By, cmd.Reason}, func(u *domain.User) error { u.EndSessions(); return nil })
}

// RotateOwnAPIKey gives the viewer a new API key; the old one stops
// working. The returned user's APIKey is the new key, shown this once.
type RotateOwnAPIKey struct{ ViewerID, UserID domain.UserID }

type RotateOwnAPIKeyHandler struct{ d Deps }

func (h RotateOwnAPIKeyHandler) Handle(ctx context.Context, cmd RotateOwnAPIKey) (*domain.User, error) {
	if err := requireSelf(cmd.ViewerID, cmd.UserID); err != nil {
		return nil, err
	}
	return rotateAPIKey(ctx, h.d, cmd.UserID, audited{domain.AuditKeyRotation, Actor{ID: cmd.ViewerID}, ""})
}

// RotateAPIKey gives a user a new API key (operators only).
type RotateAPIKey struct {
	By           Actor
	Name, Reason string
}

type RotateAPIKeyHandler struct{ d Deps }

func (h RotateAPIKeyHandler) Handle(ctx context.Context, cmd RotateAPIKey) (*domain.User, error) {
	u, err := userByName(ctx, h.d, cmd.Name)
	if err != nil {
		return nil, err
	}
	return rotateAPIKey(ctx, h.d, u.ID(), audited{domain.AuditKeyRotation, cmd.By, cmd.Reason})
}

func rotateAPIKey(ctx context.Context, d Deps, id domain.UserID, a audited) (*domain.User, error) {
	key, err := d.Tokens.NewToken()
	if err != nil {
		return nil, err
	}
	return updateUserByID(ctx, d, id, a, func(u *domain.User) error { return u.RotateAPIKey(key) })
}

// ChangePassword changes the viewer's own password, given the current
// one. Every session of the user ends; the returned user carries the new
// session generation, for the edge to start the caller's session again.
// Network is the client's network: a wrong current password counts as a
// failed login, so a stolen session cannot guess the password faster.
type ChangePassword struct {
	ViewerID, UserID domain.UserID
	Current, New     string
	Network          string
}

type ChangePasswordHandler struct{ d Deps }

func (h ChangePasswordHandler) Handle(ctx context.Context, cmd ChangePassword) (*domain.User, error) {
	if err := requireSelf(cmd.ViewerID, cmd.UserID); err != nil {
		return nil, err
	}
	if err := domain.CheckPassword(cmd.New); err != nil {
		return nil, err
	}
	u, err := userByID(ctx, h.d, cmd.UserID)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(u.Name())
	if err := takeLoginAttempt(ctx, h.d, name, cmd.Network); err != nil {
		return nil, err
	}
	if !h.d.Passwords.Verify(u.PasswordHash(), cmd.Current) {
		return nil, domain.Errorf(domain.KindInvalid, "the current password is wrong")
	}
	giveLoginAttemptBack(ctx, h.d, name, cmd.Network)
	hash, err := h.d.Passwords.Hash(cmd.New)
	if err != nil {
		return nil, err
	}
	return updateUserByID(ctx, h.d, u.ID(), audited{}, func(u *domain.User) error { return u.SetPasswordHash(hash) })
}

// SetPassword sets a user's password and ends their sessions (operators
// only).
type SetPassword struct {
	By                     Actor
	Name, Password, Reason string
}

type SetPasswordHandler struct{ d Deps }

func (h SetPasswordHandler) Handle(ctx context.Context, cmd SetPassword) (*domain.User, error) {
	if err := domain.CheckPassword(cmd.Password); err != nil {
		return nil, err
	}
	hash, err := h.d.Passwords.Hash(cmd.Password)
	if err != nil {
		return nil, err
	}
	return updateUser(ctx, h.d, cmd.Name, audited{domain.AuditPasswordReset, cmd.By, cmd.Reason}, func(u *domain.User) error { return u.SetPasswordHash(hash) })
}

// requireSelf lets only the user themself act on their account.
func requireSelf(viewer, user domain.UserID) error {
	switch {
	case viewer == 0:
		return domain.Errorf(domain.KindUnauthenticated, "log in first")
	case viewer != user:
		return domain.Errorf(domain.KindForbidden, "only the user themself can do this")
	}
	return nil
}

// SetLevel changes a user's level (operators only).
type SetLevel struct {
	By           Actor
	Name, Reason string
	Level        domain.Level
}

type SetLevelHandler struct{ d Deps }

func (h SetLevelHandler) Handle(ctx context.Context, cmd SetLevel) (*domain.User, error) {
	return updateUser(ctx, h.d, cmd.Name, audited{domain.AuditLevelChange, cmd.By, cmd.Reason}, func(u *domain.User) error { return u.SetLevel(cmd.Level) })
}

// Ban bans a user, or lets them back in with Unban: by name from the
// command line, or by id (UserID set) by an owner on the web. An owner
// cannot ban themself: nobody would be left to lift it.
type Ban struct {
	By           Actor
	Name, Reason string
	UserID       domain.UserID // instead of Name
	Unban        bool
}

type BanHandler struct{ d Deps }

func (h BanHandler) Handle(ctx context.Context, cmd Ban) (*domain.User, error) {
	id := cmd.UserID
	if id == 0 {
		found, err := userByName(ctx, h.d, cmd.Name)
		if err != nil {
			return nil, err
		}
		id = found.ID()
	}
	a := audited{domain.AuditBan, cmd.By, cmd.Reason}
	if cmd.Unban {
		a.action = domain.AuditUnban
	}
	return updateUserByID(ctx, h.d, id, a, func(u *domain.User) error {
		switch {
		case cmd.Unban:
			u.Unban()
		case u.ID() == cmd.By.ID:
			return domain.Errorf(domain.KindConflict, "you cannot ban yourself")
		default:
			u.Ban()
		}
		return nil
	})
}

// audited is the audit trail's entry of an account change: an action,
// who took it and why. The zero value records nothing (a user's own
// password change is no operator's action).
type audited struct {
	action domain.AuditAction
	by     Actor
	reason string
}

func updateUser(ctx context.Context, d Deps, name string, a audited, change func(*domain.User) error) (*domain.User, error) {
	found, err := userByName(ctx, d, name)
	if err != nil {
		return nil, err
	}
	return updateUserByID(ctx, d, found.ID(), a, change)
}

// updateUserByID changes a locked user and records the change in the
// audit trail, in one unit of work; an actor who may not act changes
// nothing.
func updateUserByID(ctx context.Context, d Deps, id domain.UserID, a audited, change func(*domain.User) error) (*domain.User, error) {
	var out *domain.User
	err := d.UoW.Do(ctx, func(ctx context.Context, s Store) error {
		if a.action.IsZero() {
			return changeUser(ctx, s, id, change, &out)
		}
		if a.action != domain.AuditKeyRotation || a.by.ID != id {
			if err := authorizeOwner(ctx, s, a.by, "change other people's accounts"); err != nil {
				return err
			}
		}
		if err := changeUser(ctx, s, id, change, &out); err != nil {
			return err
		}
		return record(ctx, s, d.Clock, a.action, a.by, domain.SubjectUser(id), a.reason)
	})
	return out, err
}

func changeUser(ctx context.Context, s Store, id domain.UserID, change func(*domain.User) error, out **domain.User) error {
	u, err := s.Users.LockByID(ctx, id)
	if err != nil {
		return err
	}
	if err := change(u); err != nil {
		return err
	}
	*out = u
	return s.Users.Update(ctx, u)
}

// ShowUser reads a profile.
type ShowUser struct {
	ViewerID domain.UserID // 0 when nobody is logged in
	UserID   domain.UserID
}

// UserProfile is a user as a viewer sees them.
type UserProfile struct {
	User   *domain.User
	IsSelf bool
	// Offers are the upgrades the viewer could buy for this user now.
	Offers []Offer
}

type ShowUserHandler struct{ d Deps }

func (h ShowUserHandler) Handle(ctx context.Context, cmd ShowUser) (UserProfile, error) {
	var p UserProfile
	err := h.d.UoW.Do(ctx, func(ctx context.Context, s Store) error {
		u, err := s.Users.ByID(ctx, cmd.UserID)
		if err != nil {
			return err
		}
		viewer, err := optionalUser(ctx, s, cmd.ViewerID)
		if err != nil {
			return err
		}
		p = UserProfile{User: u, IsSelf: viewer != nil && viewer.ID() == u.ID(), Offers: offers(h.d.Config, viewer, u, h.d.Config.Prices.Primary(), h.d.Clock.Now())}
		return nil
	})
	return p, err
}

func optionalUser(ctx context.Context, s Store, id domain.UserID) (*domain.User, error) {
	if id == 0 {
		return nil, nil
	}
	u, err := s.Users.ByID(ctx, id)
	if domain.IsKind(err, domain.KindNotFound) {
		return nil, nil
	}
	return u, err
}

func userByName(ctx context.Context, d Deps, name string) (*domain.User, error) {
	if err := domain.ValidateUserName(name); err != nil {
		return nil, err
	}
	var u *domain.User
	err := d.UoW.Read(ctx, func(ctx context.Context, s Store) (err error) {
		u, err = s.Users.ByName(ctx, name)
		return err
	})
	return u, err
}

func userByID(ctx context.Context, d Deps, id domain.UserID) (*domain.User, error) {
	var u *domain.User
	err := d.UoW.Read(ctx, func(ctx context.Context, s Store) (err error) {
		u, err = s.Users.ByID(ctx, id)
		return err
	})
	return u, err
}
