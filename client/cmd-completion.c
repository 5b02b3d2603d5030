/*
 * cairn completion bash|zsh|fish: a completion script made from the
 * command table. The command names and summaries come from the table rows;
 * each command's long options come from the very arrays it parses with:
 * the command runs in a child process with cli_getopt in probe mode
 * (opts.c), which writes the options it is given to a pipe and stops the
 * command before it does anything. An option added to a command is in the
 * next script without anyone touching this file. A command that takes no
 * options never asks; it runs in that child on an empty, read-only store
 * in a temporary directory, with no server, and stops at its first check.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"

static int cmd_completion(struct cli *c, int argc, char **argv);

const struct cmd cmd_completion_entry = {
        .name = "completion",
        .fn = cmd_completion,
        .flags = 0,
        .usage = "completion bash|zsh|fish",
        .summary = "print a shell completion script",
        .help = "Prints a script that completes cairn's commands and each command's\n"
                "options in that shell; an option that takes a value completes file\n"
                "names. Load it from the shell's start-up file, or install it where\n"
                "the shell looks for completions.\n"
                "\n"
                "EXAMPLES:\n"
                "  source <(cairn completion bash)\n"
                "  cairn completion zsh > \"${fpath[1]}/_cairn\"\n"
                "  cairn completion fish > ~/.config/fish/completions/cairn.fish\n",
};

#define COMP_OPTS_MAX 64         /* long options kept per command */
#define COMP_SUBS_MAX 16         /* subcommand words probed per command */
#define COMP_WORD_MAX 32         /* longest subcommand word probed */
#define COMP_PROBE_MAX 8192      /* bytes of option lines one probe may send */
#define COMP_PROBE_SECONDS 10    /* a probe still running then is killed */
#define COMP_PROBE_DB "probe.db" /* the probes' empty store, in their dir */

struct comp_opt {
	char name[64];
	int has_arg; /* getopt's: no_argument, required_, optional_ */
};

struct comp_cmd {
	const struct cmd *cmd;
	struct comp_opt opts[COMP_OPTS_MAX];
	size_t n;
};

/* The options every command takes (main.c strips them before the command). */
static const struct comp_opt global_opts[] = {
        {"home", required_argument},
        {"json", no_argument},
        {"help", no_argument},
        {"version", no_argument},
};

#define N_GLOBAL (sizeof(global_opts) / sizeof(global_opts[0]))

/* Adds an option once; a command's subcommands may share a name. */
static void
comp_add(struct comp_cmd *cc, const char *name, int has_arg)
{
	size_t i;

	if (strlen(name) >= sizeof(cc->opts[0].name))
		return;
	for (i = 0; i < cc->n; i++)
		if (strcmp(cc->opts[i].name, name) == 0)
			return;
	if (cc->n == COMP_OPTS_MAX)
		return;
	snprintf(cc->opts[cc->n].name, sizeof(cc->opts[0].name), "%s", name);
	cc->opts[cc->n].has_arg = has_arg;
	cc->n++;
}

/* Child side of a probe: runs the command with cli_getopt probing. */
static void __attribute__((noreturn))
probe_child(const struct cmd *cmd, const char *sub, const char *dir, int fd)
{
	static struct cli c;
	char junk[] = "\001";
	char *argv[6];
	int argc = 0, dn;

	if ((dn = open("/dev/null", O_RDWR)) >= 0) {
		dup2(dn, STDIN_FILENO);
		dup2(dn, STDOUT_FILENO);
		dup2(dn, STDERR_FILENO);
	}
	alarm(COMP_PROBE_SECONDS);
	if (chdir(dir) != 0 ||
	    store_open(COMP_PROBE_DB, 1, &c.st, NULL) != CAIRN_OK)
		_exit(1);
	snprintf(c.home, sizeof(c.home), "%s", dir);
	cli_probe_options(fd);
	c.cmd = cmd;
	argv[argc++] = (char *)cmd->name;
	if (sub != NULL)
		argv[argc++] = (char *)sub;
	/*
	 * A command that takes no options never reaches cli_getopt: extra
	 * arguments make it stop at its usage check instead of acting.
	 */
	argv[argc++] = junk;
	argv[argc++] = junk;
	argv[argc++] = junk;
	argv[argc] = NULL;
	optind = 0;
	cmd->fn(&c, argc, argv);
	_exit(0);
}

/* Runs one probe ("cmd" or "cmd sub") and adds what it reports to cc. */
static int
probe(struct comp_cmd *cc, const char *sub, const char *dir)
{
	char buf[COMP_PROBE_MAX + 1], *line, *save = NULL, *sp;
	size_t len = 0;
	ssize_t r;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) != 0)
		return cli_err(CAIRN_EIO, "cannot make a pipe: %s",
		               strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return cli_err(CAIRN_EIO, "cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		probe_child(cc->cmd, sub, dir, fds[1]);
	}
	close(fds[1]);
	while (len < COMP_PROBE_MAX) {
		r = read(fds[0], buf + len, COMP_PROBE_MAX - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fds[0]);
	if (len == COMP_PROBE_MAX)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		comp_add(cc, line, atoi(sp + 1));
	}
	return CAIRN_OK;
}

/*
 * The subcommand words of a command, read from its usage and help lines
 * ("plan import FILE", "group create|invite|join ..."): each "NAME word"
 * with a lower-case word, and the alternatives after it. Probing a word
 * that is no subcommand costs a process and finds nothing.
 */
static size_t
sub_words(const struct cmd *cmd, char subs[][COMP_WORD_MAX])
{
	const char *texts[2] = {cmd->usage, cmd->help}, *p, *w;
	size_t nl = strlen(cmd->name), n = 0, i, k, t;

	for (t = 0; t < 2; t++) {
		for (p = texts[t]; (p = strstr(p, cmd->name)) != NULL;
		     p += nl) {
			if ((p != texts[t] && !isspace((unsigned char)p[-1]) &&
			     p[-1] != '|') ||
			    p[nl] != ' ')
				continue;
			w = p + nl + 1;
			while (islower((unsigned char)*w) &&
			       n < COMP_SUBS_MAX) {
				for (k = 0; islower((unsigned char)w[k]) ||
				            w[k] == '-';
				     k++)
					;
				if (k >= COMP_WORD_MAX)
					break;
				for (i = 0; i < n; i++)
					if (strncmp(subs[i], w, k) == 0 &&
					    subs[i][k] == '\0')
						break;
				if (i == n) {
					memcpy(subs[n], w, k);
					subs[n++][k] = '\0';
				}
				if (w[k] != '|')
					break;
				w += k + 1;
			}
		}
	}
	return n;
}

/* Makes dir/COMP_PROBE_DB, an empty store the probes open read-only. */
static int
probe_dir_make(char *dir, size_t len)
{
	struct errbuf err = {""};
	char path[CLI_PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	struct store *st = NULL;
	int rc, n;

	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	n = snprintf(dir, len, "%s/cairn-completion.XXXXXX", tmp);
	if (n < 0 || (size_t)n >= len || mkdtemp(dir) == NULL) {
		dir[0] = '\0';
		return cli_err(CAIRN_EIO,
		               "cannot make a temporary directory in %s: %s",
		               tmp, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/%s", dir, COMP_PROBE_DB);
	if ((rc = store_open(path, 0, &st, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	store_close(st);
	return CAIRN_OK;
}

/* Removes what probe_dir_make and SQLite left in dir, and dir. */
static void
probe_dir_remove(const char *dir)
{
	static const char *const files[] = {"", "-wal", "-shm", "-journal"};
	char path[CLI_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, COMP_PROBE_DB,
		         files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Probes every command of the table; *out is owned by the caller (free). */
static int
comp_collect(struct comp_cmd **out, size_t *count)
{
	char subs[COMP_SUBS_MAX][COMP_WORD_MAX], dir[CLI_PATH_MAX] = "";
	const struct cmd *const *cmds;
	struct comp_cmd *all = NULL;
	size_t n, i, j, ns;
	int rc;

	cmds = cli_commands(&n);
	if ((all = calloc(n, sizeof(*all))) == NULL)
		return CAIRN_ENOMEM;
	if ((rc = probe_dir_make(dir, sizeof(dir))) != CAIRN_OK)
		goto out;
	for (i = 0; i < n; i++) {
		all[i].cmd = cmds[i];
		/* It takes no options, and probing it would recurse. */
		if (cmds[i] == &cmd_completion_entry)
			continue;
		if ((rc = probe(&all[i], NULL, dir)) != CAIRN_OK)
			goto out;
		ns = sub_words(cmds[i], subs);
		for (j = 0; j < ns; j++)
			if ((rc = probe(&all[i], subs[j], dir)) != CAIRN_OK)
				goto out;
	}
	*out = all;
	*count = n;
	all = NULL;
out:
	if (dir[0] != '\0')
		probe_dir_remove(dir);
	free(all);
	return rc;
}

/* Prints s inside single quotes for a shell: ' becomes '\'' (bash, zsh). */
static void
put_squoted(const char *s)
{
	putchar('\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

/* Prints "--a --b" for a command's options (and the ones it inherits). */
static void
put_opts(const struct comp_cmd *cc, int only_args)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < cc->n; i++) {
		if (only_args && cc->opts[i].has_arg != required_argument)
			continue;
		printf("%s--%s", sep, cc->opts[i].name);
		sep = " ";
	}
	if (only_args)
		return;
	printf("%s--json --help", sep);
}

static void
emit_bash(const struct comp_cmd *all, size_t n)
{
	size_t i;

	printf("# bash completion for cairn, made by 'cairn completion bash' from its\n"
	       "# command table. Load it with: source <(cairn completion bash)\n"
	       "_cairn()\n"
	       "{\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd='' w words args i\n"
	       "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	       "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "\t\tw=${COMP_WORDS[i]}\n"
	       "\t\tcase $w in\n"
	       "\t\t--home) ((i++)) ;;\n"
	       "\t\t-*) ;;\n"
	       "\t\t*) cmd=$w; break ;;\n"
	       "\t\tesac\n"
	       "\tdone\n"
	       "\tCOMPREPLY=()\n"
	       "\tif [[ -z $cmd ]]; then\n"
	       "\t\t[[ $prev == --home ]] && return 0\n"
	       "\t\tif [[ $cur == -* ]]; then\n"
	       "\t\t\twords='");
	for (i = 0; i < N_GLOBAL; i++)
		printf("%s--%s", i ? " " : "", global_opts[i].name);
	printf("'\n"
	       "\t\telse\n"
	       "\t\t\twords='");
	for (i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", all[i].cmd->name);
	printf("'\n"
	       "\t\tfi\n"
	       "\telse\n"
	       "\t\tcase $cmd in\n");
	for (i = 0; i < n; i++) {
		printf("\t\t%s) words='", all[i].cmd->name);
		put_opts(&all[i], 0);
		printf("' args='");
		put_opts(&all[i], 1);
		printf("' ;;\n");
	}
	printf("\t\t*) return 0 ;;\n"
	       "\t\tesac\n"
	       "\t\t# A value or an argument: the shell completes file names.\n"
	       "\t\t[[ \" $args \" == *\" $prev \"* ]] && return 0\n"
	       "\t\t[[ $cur == -* ]] || return 0\n"
	       "\tfi\n"
	       "\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	       "}\n"
	       "complete -o default -F _cairn cairn\n");
}

static void
emit_zsh(const struct comp_cmd *all, size_t n)
{
	size_t i;

	printf("#compdef cairn\n"
	       "# zsh completion for cairn, made by 'cairn completion zsh' from its\n"
	       "# command table. Save it as _cairn in a directory of $fpath.\n"
	       "_cairn()\n"
	       "{\n"
	       "\tlocal -a cmds opts args\n"
	       "\tlocal i w cmd=''\n"
	       "\tcmds=(\n");
	for (i = 0; i < n; i++) {
		printf("\t\t");
		put_squoted(all[i].cmd->name);
		putchar(':');
		put_squoted(all[i].cmd->summary);
		putchar('\n');
	}
	printf("\t)\n"
	       "\tfor ((i = 2; i < CURRENT; i++)); do\n"
	       "\t\tw=${words[i]}\n"
	       "\t\tcase $w in\n"
	       "\t\t--home) ((i++)) ;;\n"
	       "\t\t-*) ;;\n"
	       "\t\t*) cmd=$w; break ;;\n"
	       "\t\tesac\n"
	       "\tdone\n"
	       "\tif [[ -z $cmd ]]; then\n"
	       "\t\tif [[ ${words[CURRENT-1]} == --home ]]; then\n"
	       "\t\t\t_files -/\n"
	       "\t\telif [[ $PREFIX == -* ]]; then\n"
	       "\t\t\tcompadd -- ");
	for (i = 0; i < N_GLOBAL; i++)
		printf("%s--%s", i ? " " : "", global_opts[i].name);
	printf("\n"
	       "\t\telse\n"
	       "\t\t\t_describe -t commands 'cairn command' cmds\n"
	       "\t\tfi\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tcase $cmd in\n");
	for (i = 0; i < n; i++) {
		printf("\t%s) opts=(", all[i].cmd->name);
		put_opts(&all[i], 0);
		printf(") args=(");
		put_opts(&all[i], 1);
		printf(") ;;\n");
	}
	printf("\t*) return 1 ;;\n"
	       "\tesac\n"
	       "\tif (( ${args[(Ie)${words[CURRENT-1]}]} )) || [[ $PREFIX != -* ]]; then\n"
	       "\t\t_files\n"
	       "\telse\n"
	       "\t\tcompadd -- $opts\n"
	       "\tfi\n"
	       "}\n"
	       "if [[ ${funcstack[1]} == _cairn ]]; then\n"
	       "\t_cairn \"$@\"\n"
	       "else\n"
	       "\tcompdef _cairn cairn\n"
	       "fi\n");
}

/* Prints s inside single quotes for fish: ' and \ are escaped. */
static void
put_fish_quoted(const char *s)
{
	putchar('\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('\'');
}

static void
emit_fish(const struct comp_cmd *all, size_t n)
{
	size_t i, j;

	printf("# fish completion for cairn, made by 'cairn completion fish' from\n"
	       "# its command table. Save it as ~/.config/fish/completions/cairn.fish\n");
	for (i = 0; i < N_GLOBAL; i++)
		printf("complete -c cairn -n __fish_use_subcommand -l %s%s\n",
		       global_opts[i].name,
		       global_opts[i].has_arg == required_argument ? " -r -F"
		                                                   : "");
	for (i = 0; i < n; i++) {
		printf("complete -c cairn -n __fish_use_subcommand -f -a %s -d ",
		       all[i].cmd->name);
		put_fish_quoted(all[i].cmd->summary);
		putchar('\n');
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < all[i].n; j++)
			printf("complete -c cairn -n '__fish_seen_subcommand_from %s' -l %s%s\n",
			       all[i].cmd->name, all[i].opts[j].name,
			       all[i].opts[j].has_arg == required_argument
			               ? " -r -F"
			               : "");
		printf("complete -c cairn -n '__fish_seen_subcommand_from %s' -l json\n",
		       all[i].cmd->name);
		printf("complete -c cairn -n '__fish_seen_subcommand_from %s' -l help\n",
		       all[i].cmd->name);
	}
}

static int
cmd_completion(struct cli *c, int argc, char **argv)
{
	static const char *const shells[] = {"bash", "zsh", "fish"};
	struct comp_cmd *all = NULL;
	const char *hit;
	size_t n;
	int rc;

	if (argc != 2)
		return cli_usage(c, "expected a shell: bash, zsh or fish");
	if (strcmp(argv[1], "bash") != 0 && strcmp(argv[1], "zsh") != 0 &&
	    strcmp(argv[1], "fish") != 0) {
		if ((hit = suggest_closest(argv[1], shells, 3)) != NULL)
			return cli_err(CAIRN_EUSAGE,
			               "unknown shell '%s'; did you mean '%s'?",
			               argv[1], hit);
		return cli_err(
		        CAIRN_EUSAGE,
		        "unknown shell '%s'; cairn completes bash, zsh and fish",
		        argv[1]);
	}
	if ((rc = comp_collect(&all, &n)) != CAIRN_OK)
		return rc;
	if (strcmp(argv[1], "bash") == 0)
		emit_bash(all, n);
	else if (strcmp(argv[1], "zsh") == 0)
		emit_zsh(all, n);
	else
		emit_fish(all, n);
	free(all);
	return CAIRN_OK;
}
