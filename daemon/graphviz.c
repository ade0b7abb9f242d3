/*
 * graphviz — DOT to SVG through Graphviz's dot (graphviz.h).
 */
#include "graphviz.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int graphviz_svg(const char *dot, size_t len, struct buf *svg, char *err, size_t errlen)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot run Graphviz: %s", strerror(errno));
		goto fail;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* yimad's threads block the signals its event loop reads (server.c);
	 * dot starts with none blocked, so that it can be stopped. */
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	char *argv[] = { "dot", "-Tsvg", NULL };
	pid_t pid;
	int rc = posix_spawnp(&pid, "dot", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	if (rc != 0) {
		snprintf(err, errlen, "the SVG needs Graphviz's dot on the server (%s); "
			 "format=dot gives the graph", strerror(rc));
		goto fail;
	}
	/* Feed the graph and read the drawing together: neither side of a
	 * pipe may fill while the other waits. */
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	size_t sent = 0;
	long long deadline = mono_ms() + GRAPHVIZ_SECONDS * 1000LL;
	bool failed = false;
	buf_reset(svg);
	for (;;) {
		struct pollfd p[2] = { { out[0], POLLIN, 0 }, { in[1], POLLOUT, 0 } };
		long long left = deadline - mono_ms();
		if (left <= 0) {
			snprintf(err, errlen, "Graphviz took more than %d s", GRAPHVIZ_SECONDS);
			failed = true;
			break;
		}
		if (poll(p, in[1] >= 0 ? 2 : 1, (int)left) < 0 && errno != EINTR) {
			snprintf(err, errlen, "Graphviz: %s", strerror(errno));
			failed = true;
			break;
		}
		if (in[1] >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(in[1], dot + sent, len - sent);
			if (n > 0)
				sent += (size_t)n;
			if (sent == len || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char chunk[16384];
			ssize_t n = read(out[0], chunk, sizeof chunk);
			if (n == 0)
				break;	/* dot is done */
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				snprintf(err, errlen, "Graphviz: %s", strerror(errno));
				failed = true;
				break;
			}
			if (n > 0) {
				if (svg->len + (size_t)n > GRAPHVIZ_MAX_BYTES) {
					snprintf(err, errlen, "the drawing is over %u MiB",
						 GRAPHVIZ_MAX_BYTES >> 20);
					failed = true;
					break;
				}
				buf_append(svg, chunk, (size_t)n);
			}
		}
	}
	if (failed)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!failed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		snprintf(err, errlen, "Graphviz failed (exit status %d)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		failed = true;
	}
	if (in[1] >= 0)
		close(in[1]);
	close(out[0]);
	return failed ? -1 : 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return -1;
}
