/* Never exits on its own. */
#include <unistd.h>
int main(void) {
  for (;;) pause();
}
