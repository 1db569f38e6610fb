/* Dies by SIGABRT, an "other" signal. */
#include <stdlib.h>
int main(void) { abort(); }
