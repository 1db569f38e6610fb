/* Exits with the code given as argv[1] (11 by default: the number that
   Boost.Process confuses with SIGSEGV). */
#include <stdlib.h>
int main(int argc, char** argv) { return argc > 1 ? atoi(argv[1]) : 11; }
