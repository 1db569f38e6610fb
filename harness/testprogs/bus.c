/* Dies by SIGBUS: touches a mapped page past the end of an empty file,
   which is what a truncated-under-you mapping does. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
  FILE* f = tmpfile();
  if (!f) return 99;
  volatile char* p = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fileno(f), 0);
  if (p == MAP_FAILED) return 98;
  return p[0];
}
