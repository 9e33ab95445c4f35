// SPDX-License-Identifier: MIT
/*
 * untrusted.c - the program `make demo` runs under `moat do`.  It tries what a
 * hostile or careless program would, one system call at a time, and prints
 * whether each attempt worked.  It needs nothing but libc.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *what, int ok)
{
	printf("  %-46s %s\n", what, ok ? "DONE" : strerror(errno));
}

static int read_file(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	int ok = fd >= 0 && read(fd, buf, sizeof(buf)) >= 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static int append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok;
}

static int count_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] >= '1' && de->d_name[0] <= '9';
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(80),
				    .sin_addr.s_addr = htonl(0x5db8d70e) };
	char line[128];
	int s;

	printf("inside the sandbox, as uid %d, in pid namespace of %d processes:\n",
	       getuid(), count_processes());
	report("read /etc/os-release (host root, read-only)", read_file("/etc/os-release"));
	report("read /etc/shadow", read_file("/etc/shadow"));
	report("list /root", opendir("/root") != NULL);
	report("add a root user to /etc/passwd", append("/etc/passwd", "evil:x:0:0::/:/bin/sh\n"));
	report("delete /usr/bin/ls", unlink("/usr/bin/ls") == 0);
	report("chmod /usr/bin/passwd to world-writable", chmod("/usr/bin/passwd", 0777) == 0);
	report("write a result to /out (a volume)", append("/out/result.txt", "result: 42\n"));
	snprintf(line, sizeof(line), "see the host's processes (it sees %d)", count_processes());
	errno = ESRCH;
	report(line, count_processes() > 10);
	report("mount a proc file system", mount("proc", "/mnt", "proc", 0, NULL) == 0);
	report("ptrace its parent", ptrace(PTRACE_ATTACH, getppid(), 0, 0) == 0);
	report("create a raw socket", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) >= 0);
	report("load a BPF program", syscall(SYS_bpf, 5, NULL, 0) == 0);
	s = socket(AF_INET, SOCK_STREAM, 0);
	report("connect to 93.184.215.14:80 (the internet)",
	       s >= 0 && connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	addr.sin_addr.s_addr = htonl(0xa9fea9fe);	/* 169.254.169.254 */
	s = socket(AF_INET, SOCK_STREAM, 0);
	report("connect to the cloud metadata service",
	       s >= 0 && connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	{
		struct addrinfo *ai = NULL;
		int r = getaddrinfo("example.com", "443", NULL, &ai);

		printf("  %-46s %s\n", "resolve example.com", r == 0 ? "DONE" : gai_strerror(r));
		if (ai)
			freeaddrinfo(ai);
	}
	report("leave a process running after exit", fork() == 0 ? (pause(), 1) : 1);
	return 0;
}
