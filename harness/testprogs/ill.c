/* Dies by SIGILL: executes ud2. */
int main(void) {
  __asm__ volatile("ud2");
  return 0;
}
