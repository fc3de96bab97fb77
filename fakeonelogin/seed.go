package fakeonelogin

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

type seedRole struct {
	id   int64
	name string
}

var seedRoles = []seedRole{
	{RoleIDAdmins, GroupAdmins}, {RoleIDHelpdesk, GroupHelpdesk}, {RoleIDViewers, GroupViewers},
	{RoleIDEmployees, GroupEmployee}, {153190, "Contractors"}, {198233, "Engineering"}, {198240, "Finance"},
	{198367, "Human Resources"}, {207415, "Sales"}, {207452, "Marketing"}, {215006, "Legal"},
	{221874, "Customer Support"}, {230119, "Facilities"}, {176342, "Executives"}, {244801, "Interns"},
	{262090, "Remote Workers"},
}

// seedApps: iconStyle 0 = absolute URL on the fake, 1 = relative path on
// the fake, 2 = OneLogin's missing-connector path.
var seedApps = []app{
	{id: 412035, slug: "slack", name: "Slack", roles: []string{GroupEmployee, "Contractors"}},
	{id: 412118, slug: "google-workspace", name: "Google Workspace", iconStyle: 1, roles: []string{GroupEmployee}},
	{id: 412240, slug: "microsoft-365", name: "Microsoft 365", roles: []string{GroupEmployee}},
	{id: 413007, slug: "zoom", name: "Zoom", iconStyle: 1, roles: []string{GroupEmployee, "Contractors"}},
	{id: 415562, slug: "jira", name: "Jira Software", roles: []string{"Engineering", GroupHelpdesk, GroupAdmins}},
	{id: 415563, slug: "confluence", name: "Confluence", iconStyle: 1, roles: []string{"Engineering", GroupEmployee}},
	{id: 418890, slug: "github", name: "GitHub Enterprise", roles: []string{"Engineering"}},
	{id: 420311, slug: "aws", name: "AWS Console", iconStyle: 1, extension: true, roles: []string{"Engineering", GroupAdmins}},
	{id: 421774, slug: "salesforce", name: "Salesforce", roles: []string{"Sales", "Marketing", "Executives"}},
	{id: 423090, slug: "workday", name: "Workday", iconStyle: 1, roles: []string{GroupEmployee, "Human Resources"}},
	{id: 423455, slug: "bamboohr", name: "BambooHR", roles: []string{"Human Resources"}},
	{id: 425102, slug: "netsuite", name: "NetSuite", iconStyle: 1, roles: []string{"Finance"}},
	{id: 425980, slug: "expensify", name: "Expensify", roles: []string{GroupEmployee}},
	{id: 427331, slug: "docusign", name: "DocuSign", iconStyle: 1, roles: []string{"Legal", "Finance", "Sales"}},
	{id: 428016, slug: "zendesk", name: "Zendesk", roles: []string{"Customer Support", GroupHelpdesk}},
	{id: 428772, slug: "servicenow", name: "ServiceNow", iconStyle: 1, roles: []string{GroupHelpdesk, GroupAdmins}},
	{id: 430145, slug: "tableau", name: "Tableau", roles: []string{"Finance", "Executives", GroupViewers}},
	{id: 431208, slug: "splunk", name: "Splunk", iconStyle: 1, roles: []string{GroupViewers, GroupAdmins}},
	{id: 432677, slug: "figma", name: "Figma", roles: []string{"Marketing", "Engineering"}},
	{id: 433901, slug: "1password", name: "1Password", iconStyle: 1, extension: true, roles: []string{GroupAdmins, GroupHelpdesk, GroupViewers}},
	{id: 436550, slug: "timesheets", name: "Legacy Timesheets", iconStyle: 2, extension: true, roles: []string{"Contractors", "Interns"}},
	{id: 437012, slug: "vpn", name: "Cisco AnyConnect VPN", roles: []string{"Remote Workers"}},
}

var seedCustomAttrs = []string{"employee_id", "cost_center", "location"}

// name is a display form and the ASCII form used in email addresses.
type name struct{ disp, ascii string }

// First names never start with "marg", so that firstname=marg* finds the
// persona and the two fixed extras only.
var firstNames = []name{
	{"Zoë", "zoe"}, {"Łukasz", "lukasz"}, {"Søren", "soren"}, {"José", "jose"}, {"Chloé", "chloe"},
	{"François", "francois"}, {"Björn", "bjorn"}, {"Ingrid", "ingrid"}, {"Mateo", "mateo"}, {"Sofía", "sofia"},
	{"Aiko", "aiko"}, {"Wei", "wei"}, {"Olumide", "olumide"}, {"Fatima", "fatima"}, {"Noah", "noah"},
	{"Emma", "emma"}, {"Liam", "liam"}, {"Olivia", "olivia"}, {"Ava", "ava"}, {"Ethan", "ethan"},
	{"Mia", "mia"}, {"Lucas", "lucas"}, {"Amelia", "amelia"}, {"Hannah", "hannah"}, {"Ben", "ben"},
	{"Sara", "sara"}, {"David", "david"}, {"Elena", "elena"}, {"Marco", "marco"}, {"Giulia", "giulia"},
	{"Pedro", "pedro"}, {"Ana", "ana"}, {"Nikolai", "nikolai"}, {"Katarzyna", "katarzyna"}, {"Agnieszka", "agnieszka"},
	{"Jürgen", "juergen"}, {"Anders", "anders"}, {"Astrid", "astrid"}, {"Mikael", "mikael"}, {"Leila", "leila"},
	{"Omar", "omar"}, {"Yusuf", "yusuf"}, {"Ayşe", "ayse"}, {"Emre", "emre"}, {"Dmitri", "dmitri"},
	{"Irina", "irina"}, {"Kwame", "kwame"}, {"Ama", "ama"}, {"Thandiwe", "thandiwe"}, {"Sipho", "sipho"},
	{"Raj", "raj"}, {"Ananya", "ananya"}, {"Vikram", "vikram"}, {"Deepa", "deepa"}, {"Hiroshi", "hiroshi"},
	{"Mei", "mei"}, {"Jin", "jin"}, {"Min-jun", "minjun"}, {"Seo-yeon", "seoyeon"}, {"Carlos", "carlos"},
	{"Lucía", "lucia"}, {"Camille", "camille"}, {"Théo", "theo"}, {"Léa", "lea"}, {"Maëlle", "maelle"},
	{"Niamh", "niamh"}, {"Siobhán", "siobhan"}, {"Cormac", "cormac"}, {"Eilidh", "eilidh"}, {"Rhys", "rhys"},
	{"Cerys", "cerys"}, {"Tariq", "tariq"}, {"Nadia", "nadia"}, {"Paul", "paul"}, {"Claire", "claire"},
	{"Henrik", "henrik"}, {"Freya", "freya"}, {"Oskar", "oskar"}, {"Małgosia", "malgosia"}, {"Isabel", "isabel"},
	{"Samuel", "samuel"}, {"Rachel", "rachel"}, {"Daniel", "daniel"}, {"Laura", "laura"}, {"Tom", "tom"},
}

var lastNames = []name{
	{"Müller", "mueller"}, {"Nowak", "nowak"}, {"Kowalski", "kowalski"}, {"García", "garcia"}, {"Fernández", "fernandez"},
	{"Sørensen", "sorensen"}, {"Johansson", "johansson"}, {"Nguyen", "nguyen"}, {"Smith", "smith"}, {"Johnson", "johnson"},
	{"Williams", "williams"}, {"Brown", "brown"}, {"Jones", "jones"}, {"Miller", "miller"}, {"Davis", "davis"},
	{"Wilson", "wilson"}, {"Taylor", "taylor"}, {"Anderson", "anderson"}, {"Thomas", "thomas"}, {"Moore", "moore"},
	{"Martin", "martin"}, {"Lee", "lee"}, {"Walker", "walker"}, {"Hall", "hall"}, {"Young", "young"},
	{"King", "king"}, {"Wright", "wright"}, {"Scott", "scott"}, {"Green", "green"}, {"Baker", "baker"},
	{"Adams", "adams"}, {"Campbell", "campbell"}, {"Mitchell", "mitchell"}, {"Roberts", "roberts"}, {"Evans", "evans"},
	{"Turner", "turner"}, {"Torres", "torres"}, {"Collins", "collins"}, {"Murphy", "murphy"}, {"O'Brien", "obrien"},
	{"Kelly", "kelly"}, {"Schmidt", "schmidt"}, {"Schneider", "schneider"}, {"Fischer", "fischer"}, {"Weber", "weber"},
	{"Wagner", "wagner"}, {"Hoffmann", "hoffmann"}, {"Rossi", "rossi"}, {"Russo", "russo"}, {"Esposito", "esposito"},
	{"Bianchi", "bianchi"}, {"Lefèvre", "lefevre"}, {"Moreau", "moreau"}, {"Laurent", "laurent"}, {"Girard", "girard"},
	{"Novák", "novak"}, {"Horváth", "horvath"}, {"Kovač", "kovac"}, {"Yılmaz", "yilmaz"}, {"Kaya", "kaya"},
	{"Demir", "demir"}, {"Patel", "patel"}, {"Sharma", "sharma"}, {"Singh", "singh"}, {"Gupta", "gupta"},
	{"Adeyemi", "adeyemi"}, {"Mensah", "mensah"}, {"Osei", "osei"}, {"Dlamini", "dlamini"}, {"Khumalo", "khumalo"},
	{"Chen", "chen"}, {"Wang", "wang"}, {"Zhang", "zhang"}, {"Liu", "liu"}, {"Kim", "kim"},
	{"Park", "park"}, {"Choi", "choi"}, {"Tanaka", "tanaka"}, {"Ivanov", "ivanov"}, {"Popescu", "popescu"},
	{"Nielsen", "nielsen"}, {"Hansen", "hansen"}, {"Virtanen", "virtanen"}, {"Korhonen", "korhonen"}, {"Þórsdóttir", "thorsdottir"},
}

// Full Japanese names, written in kanji with romanised email addresses.
var japaneseNames = [][2]name{
	{{"結衣", "yui"}, {"佐藤", "sato"}}, {{"陽翔", "haruto"}, {"鈴木", "suzuki"}}, {{"美咲", "misaki"}, {"高橋", "takahashi"}},
	{{"大翔", "hiroto"}, {"田中", "tanaka"}}, {{"さくら", "sakura"}, {"伊藤", "ito"}}, {{"蓮", "ren"}, {"渡辺", "watanabe"}},
}

type dept struct {
	name   string
	cc     string
	roles  []string
	titles []string
	weight int
}

var departments = []dept{
	{"Engineering", "CC-4100", []string{"Engineering"}, []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager", "QA Engineer", "Site Reliability Engineer"}, 24},
	{"Product", "CC-4200", []string{"Engineering"}, []string{"Product Manager", "Product Designer", "UX Researcher"}, 6},
	{"Sales", "CC-5100", []string{"Sales"}, []string{"Account Executive", "Sales Development Representative", "Sales Manager", "Solutions Engineer"}, 16},
	{"Marketing", "CC-5200", []string{"Marketing"}, []string{"Marketing Manager", "Content Strategist", "Growth Marketer", "Brand Designer"}, 7},
	{"Customer Support", "CC-5300", []string{"Customer Support"}, []string{"Support Specialist", "Senior Support Specialist", "Support Team Lead"}, 12},
	{"Finance", "CC-6100", []string{"Finance"}, []string{"Accountant", "Financial Analyst", "Payroll Specialist", "Controller"}, 6},
	{"Human Resources", "CC-6200", []string{"Human Resources"}, []string{"HR Business Partner", "Recruiter", "People Operations Specialist"}, 5},
	{"Legal", "CC-6300", []string{"Legal"}, []string{"Legal Counsel", "Paralegal", "Compliance Officer"}, 3},
	{"IT", "CC-7100", []string{GroupHelpdesk}, []string{"Service Desk Analyst", "Systems Administrator", "IT Support Technician"}, 5},
	{"Security", "CC-7200", []string{GroupViewers}, []string{"Security Analyst", "Security Engineer", "GRC Analyst"}, 3},
	{"Facilities", "CC-8100", []string{"Facilities"}, []string{"Facilities Coordinator", "Office Manager", "Receptionist"}, 4},
	{"Operations", "CC-8200", nil, []string{"Operations Analyst", "Logistics Coordinator", "Operations Manager"}, 7},
	{"Executive", "CC-9000", []string{"Executives"}, []string{"Chief Executive Officer", "Chief Financial Officer", "Chief Technology Officer", "VP Sales", "VP People"}, 2},
}

var locations = []struct{ city, phone string }{
	{"Berlin", "+49 30 5550 %04d"}, {"London", "+44 20 7946 %04d"}, {"New York", "+1 212 555 %04d"},
	{"San Francisco", "+1 415 555 %04d"}, {"Madrid", "+34 91 555 %04d"}, {"Warsaw", "+48 22 555 %04d"},
	{"Copenhagen", "+45 32 55 %04d"}, {"Tokyo", "+81 3 5550 %04d"}, {"Lagos", "+234 1 555 %04d"},
	{"Toronto", "+1 416 555 %04d"},
}

const (
	companyMain       = "Northwind Traders"
	companyContractor = "Contoso Consulting"
	adDirectoryID     = int64(48211)
)

// seeder holds the deterministic generator and the timeline anchor.
type seeder struct {
	t     *Tenant
	r     *rand.Rand
	now   time.Time
	used  map[string]bool // email local parts
	empNo int
	deptW int
}

func (s *seeder) pick(n int) int { return s.r.IntN(n) }

func (s *seeder) chance(p float64) bool { return s.r.Float64() < p }

// ago returns now minus a random duration in [lo, hi).
func (s *seeder) ago(lo, hi time.Duration) time.Time {
	d := lo + time.Duration(s.r.Int64N(int64(hi-lo)))
	return s.now.Add(-d).Truncate(time.Millisecond)
}

func tp(t time.Time) *time.Time { return &t }

func ip(n int) *int { return &n }

func (t *Tenant) seed() {
	t.seedTime = t.clock.Now().UTC().Truncate(time.Millisecond)
	s := &seeder{
		t:    t,
		r:    rand.New(rand.NewPCG(uint64(t.opts.Seed), 0x5eed0f0e1091)),
		now:  t.seedTime,
		used: map[string]bool{},
	}
	for _, r := range seedRoles {
		t.roles = append(t.roles, role(r))
	}
	slices.SortFunc(t.roles, func(a, b role) int { return cmpInt(a.id, b.id) })
	t.apps = seedApps
	t.customAttrs = seedCustomAttrs
	t.icons = map[string][]byte{}
	for _, a := range t.apps {
		t.icons[a.slug] = appIcon(a.name, a.slug)
	}
	t.missingPNG = missingIconPNG()
	for _, d := range departments {
		s.deptW += d.weight
	}

	s.personas(corePersonas, 0)
	t.nextID = firstRandomID
	// Room is kept for the locked personas, created last.
	users := t.opts.Users - len(lockedPersonas) - len(latePersonas)
	extras := []struct{ first, last name }{
		{name{"Margaret", "margaret"}, name{"Chen", "chen"}},
		{name{"Margot", "margot"}, name{"Lefèvre", "lefevre"}},
	}
	for _, e := range extras {
		if len(t.order) >= users {
			break
		}
		s.add(s.randomUser(e.first, e.last))
	}
	for len(t.order) < users {
		var first, last name
		if s.chance(0.02) {
			jp := japaneseNames[s.pick(len(japaneseNames))]
			first, last = jp[0], jp[1]
		} else {
			first, last = firstNames[s.pick(len(firstNames))], lastNames[s.pick(len(lastNames))]
		}
		s.add(s.randomUser(first, last))
	}
	s.personas(lockedPersonas, len(corePersonas))
	s.personas(latePersonas, len(corePersonas)+len(lockedPersonas))
	slices.Sort(t.order)
	t.seedFactors()
}

// firstRandomID is just below the first id of a random person; personas'
// ids are lower.
const firstRandomID = 31000000

func (s *seeder) add(u *user) {
	t := s.t
	if u.id == 0 {
		t.nextID += 1 + int64(s.pick(40)) // gaps, like ids from a shared sequence
		u.id = t.nextID
	}
	u.loginIDSeed = s.r.Uint64()
	t.users[u.id] = u
	t.order = append(t.order, u.id)
	t.byEmail[strings.ToLower(u.email)] = u.id
}

func (s *seeder) localPart(first, last string) string {
	base := first + "." + last
	local := base
	for i := 2; s.used[local]; i++ {
		local = fmt.Sprintf("%s%d", base, i)
	}
	s.used[local] = true
	return local
}

func (s *seeder) pickDept() dept {
	n := s.pick(s.deptW)
	for _, d := range departments {
		if n < d.weight {
			return d
		}
		n -= d.weight
	}
	return departments[0]
}

func (s *seeder) setPassword(u *user) {
	salt := fmt.Sprintf("%016x", s.r.Uint64())
	u.passwordSalt, u.passwordHash = salt, hashPassword(salt, DemoPassword)
}

func (s *seeder) roleIDs(names ...string) []int64 {
	var ids []int64
	for _, n := range names {
		for _, r := range seedRoles {
			if r.name == n && !slices.Contains(ids, r.id) {
				ids = append(ids, r.id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// base fills the fields every seeded user has, for an active person.
func (s *seeder) base(first, last name, local, domain string, d dept, contractor bool) *user {
	created := s.ago(30*24*time.Hour, 6*365*24*time.Hour)
	activated := created.Add(time.Duration(1+s.pick(72)) * time.Hour)
	lastLogin := s.ago(5*time.Minute, 45*24*time.Hour)
	pwChanged := s.ago(time.Hour, 80*24*time.Hour)
	if pwChanged.Before(activated) {
		pwChanged = activated
	}
	loc := locations[s.pick(len(locations))]
	u := &user{
		email: local + "@" + domain, firstname: first.disp, lastname: last.disp,
		status: StatusActive, state: StateApproved, invalidLogins: ip(0),
		createdAt: created, activatedAt: tp(activated), lastLogin: tp(lastLogin), passwordChangedAt: tp(pwChanged),
		invitationSentAt: tp(created.Add(time.Minute)), openidName: local,
		custom: map[string]*string{},
	}
	u.updatedAt = lastLogin
	company := companyMain
	if contractor {
		company = companyContractor
	}
	// "" and null both occur for unset optional fields in real data (R).
	switch {
	case s.chance(0.06):
		u.company = nil
	case s.chance(0.05):
		u.company = strPtr("")
	default:
		u.company = strPtr(company)
	}
	u.department = strPtr(d.name)
	u.title = strPtr(d.titles[s.pick(len(d.titles))])
	if s.chance(0.04) {
		u.department, u.title = strPtr(""), nil
	}
	switch p := s.r.Float64(); {
	case p < 0.45:
		u.phone = strPtr(fmt.Sprintf(loc.phone, s.pick(10000)))
	case p < 0.8:
		u.phone = strPtr("")
	}
	switch p := s.r.Float64(); {
	case p < 0.4:
		u.username = strPtr("")
	case p < 0.75:
		u.username = strPtr(local)
	}
	if s.chance(0.05) {
		u.comment = []string{"On parental leave until March", "Seasonal contract, renew in Q3", "Has a second account for admin tasks", "Prefers contact by phone"}[s.pick(4)]
	}
	switch p := s.r.Float64(); {
	case p < 0.5:
		u.preferredLocale = strPtr("en-US")
	case p < 0.6:
		u.preferredLocale = strPtr([]string{"de-DE", "fr-FR", "es-ES", "ja-JP", "pl-PL"}[s.pick(5)])
	}
	if s.chance(0.25) {
		u.localeCode = strPtr("en")
	}
	if s.chance(0.5) {
		u.groupID = tp64(int64(611200 + s.pick(6)*17))
	}
	if !contractor && s.chance(0.35) { // synced from Active Directory
		sam := strings.ToLower(first.ascii[:1] + last.ascii)
		u.directoryID = tp64(adDirectoryID)
		u.distinguishedName = strPtr(fmt.Sprintf("CN=%s %s,OU=%s,OU=Staff,DC=northwind,DC=local", first.disp, last.disp, d.name))
		u.memberOf = strPtr("CN=All Staff,OU=Groups,DC=northwind,DC=local")
		u.samAccountName = strPtr(sam)
		u.userPrincipalName = strPtr(local + "@northwind.local")
		if s.chance(0.5) {
			u.externalID = fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", s.r.Uint32(), s.r.Uint32()&0xffff, s.pick(4096), s.pick(4096), s.r.Uint64()&0xffffffffffff)
		} else {
			u.externalID = int64(100000 + s.pick(900000))
		}
		if s.chance(0.6) {
			u.managerADID = fmt.Sprint(1000 + s.pick(9000))
		} else if s.chance(0.5) {
			u.managerADID = int64(1000 + s.pick(9000))
		}
	} else if s.chance(0.1) {
		u.distinguishedName, u.samAccountName = strPtr(""), strPtr("")
	}
	if s.chance(0.02) {
		u.trustedIDPID = tp64(int64(70215))
	}
	// Custom attributes: mostly set; unset ones are null or "".
	if !contractor {
		s.empNo++
		u.custom["employee_id"] = strPtr(fmt.Sprintf("E%06d", 104000+s.empNo*7))
	} else if s.chance(0.3) {
		u.custom["employee_id"] = strPtr("")
	}
	if s.chance(0.95) {
		u.custom["cost_center"] = strPtr(d.cc)
	}
	switch p := s.r.Float64(); {
	case p < 0.92:
		u.custom["location"] = strPtr(loc.city)
	case p < 0.96:
		u.custom["location"] = strPtr("")
	}
	return u
}

func tp64(n int64) *int64 { return &n }

func (s *seeder) randomUser(first, last name) *user {
	contractor := s.chance(0.08)
	domain := "example.com"
	if contractor {
		domain = "partners.example.com"
	}
	d := s.pickDept()
	u := s.base(first, last, s.localPart(first.ascii, last.ascii), domain, d, contractor)
	// Roles: employees or contractors, the department's, sometimes extras.
	var names []string
	if contractor {
		names = append(names, "Contractors")
	} else {
		names = append(names, GroupEmployee)
	}
	names = append(names, d.roles...)
	if s.chance(0.15) {
		names = append(names, "Remote Workers")
	}
	if !contractor && s.chance(0.02) {
		names = append(names, "Interns")
	}
	if d.name == "IT" && s.chance(0.2) {
		names = append(names, GroupAdmins)
	}
	if s.chance(0.03) {
		names = nil // role-less users exist (role_id null)
	}
	u.roleIDs = s.roleIDs(names...)
	if len(s.t.order) > 20 && s.chance(0.7) {
		m := s.t.order[s.pick(len(s.t.order))]
		u.managerUserID = &m
	}

	// Status mix.
	p := s.r.Float64()
	switch {
	case p < 0.03:
		u.status = StatusLocked
		u.invalidLogins = ip(3 + s.pick(6))
		switch q := s.r.Float64(); {
		case q < 0.55:
			u.lockedUntil = tp(s.now.Add(time.Duration(5+s.pick(55)) * time.Minute))
		case q < 0.85:
			u.lockedUntil = tp(s.now.Add(-time.Duration(5+s.pick(600)) * time.Minute)) // runs out on read
		}
		s.setPassword(u)
	case p < 0.05:
		u.status = StatusSuspended
		u.lastLogin = tp(s.ago(60*24*time.Hour, 400*24*time.Hour))
		s.setPassword(u)
	case p < 0.07:
		u.status = StatusPasswordExpired
		u.passwordChangedAt = tp(s.ago(91*24*time.Hour, 300*24*time.Hour))
		s.setPassword(u)
	case p < 0.09:
		u.status = StatusUnactivated
		u.activatedAt, u.lastLogin, u.passwordChangedAt, u.invalidLogins = nil, nil, nil, nil
		u.createdAt = s.ago(time.Hour, 20*24*time.Hour)
		u.invitationSentAt = tp(u.createdAt.Add(time.Minute))
	case p < 0.105:
		u.status = StatusAwaitingReset
		s.setPassword(u)
	case p < 0.12:
		u.status = StatusPasswordPending
		u.lastLogin, u.passwordChangedAt, u.invalidLogins = nil, nil, nil
	case p < 0.125:
		u.status = StatusSecurityQuestions
		s.setPassword(u)
	default:
		if s.chance(0.1) {
			u.invalidLogins = ip(1 + s.pick(2))
		}
		s.setPassword(u)
		if u.lastLogin.After(s.now.Add(-24 * time.Hour)) {
			u.sessions = 1 + s.pick(2)
		}
	}
	switch q := s.r.Float64(); {
	case q < 0.02:
		u.state = StateUnapproved
	case q < 0.03:
		u.state = StateRejected
	case q < 0.05:
		u.state = StateUnlicensed
	}
	s.fixTimes(u)
	return u
}

// fixTimes keeps the timeline plausible after status changes.
func (s *seeder) fixTimes(u *user) {
	if u.activatedAt != nil && u.createdAt.After(*u.activatedAt) {
		u.createdAt = u.activatedAt.Add(-time.Hour)
	}
	latest := u.createdAt
	for _, p := range []*time.Time{u.activatedAt, u.lastLogin, u.passwordChangedAt, u.invitationSentAt} {
		if p != nil && p.After(latest) {
			latest = *p
		}
	}
	if u.lastLogin != nil && u.activatedAt != nil && u.lastLogin.Before(*u.activatedAt) {
		u.lastLogin = tp(u.activatedAt.Add(time.Hour))
		if u.lastLogin.After(latest) {
			latest = *u.lastLogin
		}
	}
	u.updatedAt = latest
}

// persona is a well-known person with a fixed id and stable facts.
type persona struct {
	id          int64
	first, last name
	dept        string
	title       string
	roles       []string
	status      int
	attempts    int
	lockFor     time.Duration // 0 = not locked; <0 = locked with no end
	noPassword  bool
	neverActive bool
	contractor  bool
}

var corePersonas = []persona{
	{id: PersonaAdminID, first: name{"Priya", "priya"}, last: name{"Raman", "raman"}, dept: "IT", title: "IT Operations Lead", roles: []string{GroupEmployee, GroupAdmins}, status: StatusActive},
	{id: PersonaHelpdeskID, first: name{"Tomás", "tomas"}, last: name{"Herrera", "herrera"}, dept: "IT", title: "Service Desk Analyst", roles: []string{GroupEmployee, GroupHelpdesk}, status: StatusActive},
	{id: PersonaViewerID, first: name{"Grace", "grace"}, last: name{"Okafor", "okafor"}, dept: "Security", title: "Security Auditor", roles: []string{GroupEmployee, GroupViewers}, status: StatusActive},
	{id: PersonaEmployeeID, first: name{"Jonas", "jonas"}, last: name{"Becker", "becker"}, dept: "Sales", title: "Account Executive", roles: []string{GroupEmployee, "Sales"}, status: StatusLocked, attempts: 5, lockFor: -1},
	{id: PersonaLockedID, first: name{"Marguerite", "marguerite"}, last: name{"Dubois", "dubois"}, dept: "Finance", title: "Financial Analyst", roles: []string{GroupEmployee, "Finance"}, status: StatusLocked, attempts: 6, lockFor: 20 * time.Minute},
	{id: PersonaSuspendedID, first: name{"Viktor", "viktor"}, last: name{"Lindqvist", "lindqvist"}, dept: "Engineering", title: "Software Engineer", roles: []string{GroupEmployee, "Engineering"}, status: StatusSuspended},
	{id: PersonaPasswordExpiredID, first: name{"Chloé", "chloe"}, last: name{"Martin", "martin"}, dept: "Marketing", title: "Content Strategist", roles: []string{GroupEmployee, "Marketing"}, status: StatusPasswordExpired},
	{id: PersonaUnactivatedID, first: name{"Aarav", "aarav"}, last: name{"Shah", "shah"}, dept: "Engineering", title: "QA Engineer", roles: []string{GroupEmployee, "Engineering"}, status: StatusUnactivated, noPassword: true, neverActive: true},
	{id: PersonaAwaitingResetID, first: name{"Zoë", "zoe"}, last: name{"Whitfield", "whitfield"}, dept: "Customer Support", title: "Support Specialist", roles: []string{GroupEmployee, "Customer Support"}, status: StatusAwaitingReset},
	{id: PersonaPasswordPendingID, first: name{"Łukasz", "lukasz"}, last: name{"Nowak", "nowak"}, dept: "Operations", title: "Logistics Coordinator", roles: []string{GroupEmployee}, status: StatusPasswordPending, noPassword: true},
	{id: PersonaNoRolesID, first: name{"Søren", "soren"}, last: name{"Aalto", "aalto"}, dept: "Facilities", title: "Facilities Coordinator", status: StatusActive, contractor: true},
}

// lockedPersonas are locked by failed sign-ins, each with one kind of MFA
// factor (personaFactors in mfa.go). They are created after the random
// people, so that adding them left everyone else as they were. Their names
// are in neither name list, so no random person takes their addresses.
var lockedPersonas = []persona{
	{id: PersonaLockedPushID, first: name{"Inês", "ines"}, last: name{"Carvalho", "carvalho"}, dept: "Sales", title: "Sales Manager", roles: []string{GroupEmployee, "Sales"}, status: StatusLocked, attempts: 5, lockFor: -1},
	{id: PersonaLockedTOTPID, first: name{"Rafael", "rafael"}, last: name{"Okonkwo", "okonkwo"}, dept: "Engineering", title: "Site Reliability Engineer", roles: []string{GroupEmployee, "Engineering"}, status: StatusLocked, attempts: 6, lockFor: -1},
	{id: PersonaLockedSMSID, first: name{"Fiona", "fiona"}, last: name{"MacLeod", "macleod"}, dept: "Human Resources", title: "Recruiter", roles: []string{GroupEmployee, "Human Resources"}, status: StatusLocked, attempts: 5, lockFor: -1},
	{id: PersonaLockedEmailID, first: name{"Dario", "dario"}, last: name{"Bellini", "bellini"}, dept: "Marketing", title: "Growth Marketer", roles: []string{GroupEmployee, "Marketing"}, status: StatusLocked, attempts: 7, lockFor: -1},
	{id: PersonaLockedNoFactorID, first: name{"Hedda", "hedda"}, last: name{"Lund", "lund"}, dept: "Legal", title: "Paralegal", roles: []string{GroupEmployee, "Legal"}, status: StatusLocked, attempts: 5, lockFor: -1},
}

// latePersonas are created after the locked ones, so that adding them
// left everyone else as they were.
var latePersonas = []persona{
	{id: PersonaAccentsID, first: name{"José", "jose"}, last: name{"Müller", "mueller"}, dept: "Finance", title: "Accountant", roles: []string{GroupEmployee, "Finance"}, status: StatusActive},
}

// personas creates the well-known people ps; first is the index of ps[0]
// among all personas, which fixes its timeline.
func (s *seeder) personas(ps []persona, first int) {
	for j, p := range ps {
		i := first + j
		var d dept
		for _, x := range departments {
			if x.name == p.dept {
				d = x
			}
		}
		local := s.localPart(p.first.ascii, p.last.ascii)
		u := s.base(p.first, p.last, local, "example.com", d, p.contractor)
		if p.contractor {
			u.company = strPtr(companyContractor)
		} else {
			u.company = strPtr(companyMain)
		}
		u.id = p.id
		u.department, u.title = strPtr(d.name), strPtr(p.title)
		// Fixed timeline so personas look the same whatever the seed.
		u.createdAt = s.now.Add(-time.Duration(400+i*37) * 24 * time.Hour)
		u.activatedAt = tp(u.createdAt.Add(3 * time.Hour))
		u.invitationSentAt = tp(u.createdAt.Add(time.Minute))
		u.lastLogin = tp(s.now.Add(-time.Duration(2+i*5) * time.Hour))
		u.passwordChangedAt = tp(s.now.Add(-time.Duration(20+i) * 24 * time.Hour))
		u.roleIDs = s.roleIDs(p.roles...)
		u.status = p.status
		u.invalidLogins = ip(p.attempts)
		u.comment = ""
		if p.id != PersonaAdminID {
			u.managerUserID = tp64(PersonaAdminID)
		}
		switch {
		case p.lockFor > 0:
			u.lockedUntil = tp(s.now.Add(p.lockFor))
		case p.lockFor < 0:
			u.lockedUntil = nil // locked until an admin unlocks
		}
		if p.status == StatusSuspended {
			u.lastLogin = tp(s.now.Add(-95 * 24 * time.Hour))
		}
		if p.status == StatusPasswordExpired {
			u.passwordChangedAt = tp(s.now.Add(-120 * 24 * time.Hour))
		}
		if p.neverActive {
			u.activatedAt, u.lastLogin, u.passwordChangedAt, u.invalidLogins = nil, nil, nil, nil
		}
		if p.noPassword {
			u.passwordChangedAt, u.lastLogin = nil, nil
		} else {
			s.setPassword(u)
		}
		if p.status == StatusActive {
			u.sessions = 1
		}
		s.fixTimes(u)
		s.add(u)
	}
}
