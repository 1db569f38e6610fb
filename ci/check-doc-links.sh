#!/usr/bin/env bash
# Offline link check of the documentation: every relative link in README.md,
# docs/*.md and bench/RESULTS.md must name a file or folder of the
# repository, and every #anchor a heading of its target (as GitHub makes
# anchors: lower case, punctuation dropped, spaces to hyphens, -N for
# repeats). Links inside fenced code blocks and `code` spans are text, and
# http(s) links are not fetched. Prints each dead link as FILE:LINE; exits
# 1 if any. Run by ctest (doc_links).
set -euo pipefail
cd "$(dirname "$0")/.."
files=(README.md docs/*.md bench/RESULTS.md)
exec perl -CSD -Mutf8 -e '
use strict; use warnings;
my %anchors;
sub slug { my $h = lc shift; $h =~ s/\[([^\]]*)\]\([^)]*\)/$1/g; $h =~ s/[^\p{L}\p{N} _-]//g; $h =~ s/ /-/g; return $h; }
sub lines_outside_fences {
  my ($f) = @_; open(my $in, "<", $f) or return ();
  my ($fence, $n, @out) = (0, 0);
  while (my $l = <$in>) { $n++; if ($l =~ /^\s*(```|~~~)/) { $fence = !$fence; next; } push @out, [$n, $l] unless $fence; }
  return @out;
}
sub anchors_of {
  my ($f) = @_; return $anchors{$f} if $anchors{$f};
  my (%seen, %set);
  for my $nl (lines_outside_fences($f)) {
    next unless $nl->[1] =~ /^#{1,6}\s+(.*?)\s*#*\s*$/;
    my $s = slug($1); my $k = $seen{$s}++ ? "$s-" . ($seen{$s} - 1) : $s; $set{$k} = 1;
  }
  return $anchors{$f} = \%set;
}
my $bad = 0;
for my $file (@ARGV) {
  (my $dir = $file) =~ s{[^/]*$}{};
  for my $nl (lines_outside_fences($file)) {
    my ($n, $l) = @$nl;
    $l =~ s/`[^`]*`//g;
    while ($l =~ /\]\(([^)\s]+)\)/g) {
      my $link = $1;
      next if $link =~ m{^[a-z][a-z0-9+.-]*:}i;
      my ($path, $anchor) = $link =~ /^([^#]*)(?:#(.*))?$/;
      my $target = $path eq "" ? $file : $dir . $path;
      1 while $target =~ s{(^|/)(?!\.\./)[^/]+/\.\./}{$1};
      if (!-e $target) { print "$file:$n: $link: no such file ($target)\n"; $bad = 1; next; }
      next unless defined $anchor && $anchor ne "";
      if ($target !~ /\.md$/) { print "$file:$n: $link: an anchor into a file that is not Markdown\n"; $bad = 1; next; }
      next if anchors_of($target)->{$anchor};
      print "$file:$n: $link: no heading makes #$anchor in $target\n"; $bad = 1;
    }
  }
}
exit $bad;
' "${files[@]}"
