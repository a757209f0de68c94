#!/usr/bin/perl
# What Doxygen reads instead of an input file (INPUT_FILTER in docs/Doxyfile):
#
#     perl docs/doxygen-filter.pl FILE
#
# The sources stay as they are, for GitHub and editors; only Doxygen 1.9.4's
# view of them changes, line for line (warnings keep their line numbers).
# It works around two of its Markdown quirks that break the site silently:
#
# 1. Outside a code span, `--flag` is printed as an en dash and `flag`
#    ("--cpus" shows as "–cpus", which a student cannot paste). Doxygen
#    prints two real dashes for `\--`, so a `--` that starts a word is
#    written that way.
# 2. A code span in single backticks that holds a `'` followed by a
#    non-identifier character, such as `sh -c 'exit 3'`, is taken for an
#    old-style `quote' and garbles the rest of the paragraph. Spans in
#    double backticks have no such rule, and mean the same in CommonMark, so
#    such spans are given double backticks.
# 3. A page's title is its first line only when that line is the heading. A
#    translation's first line is `<!-- i18n: source=X.md -->` (tools/i18n),
#    and a language switch line may come before the heading too. So the
#    heading is moved up to the first line, and the comment becomes an empty
#    line (the page keeps its number of lines).
# 4. A Markdown link to a page, such as [English](README.md), is looked up
#    first from the working directory (the repository's top) and only then
#    from the page's own folder, so in lessons/lv0-syscalls/README.zh-CN.md
#    it would find the top's README.md. Such a link to a page beside this one
#    is given to Doxygen with the folder: [English](lessons/lv0-syscalls/README.md).
#
# In Markdown files every line counts except fenced code blocks; in C++
# headers only the text of `///` and `//!` comments.
use strict;
use warnings;

my $file = shift @ARGV or die "usage: doxygen-filter.pl FILE\n";
open(my $in, '<', $file) or die "doxygen-filter: $file: $!\n";
binmode($in);
binmode(STDOUT);

# The text of one line, with both fixes; code spans are kept as they are
# apart from their backticks. Indented lines in Markdown may be code
# blocks, so their dashes are left alone.
sub fix_text {
  my ($text, $dashes) = @_;
  my $out = '';
  while ($text =~ /\G(.*?)(`+)(.+?)(?<!`)\2(?!`)/gcs) {
    my ($before, $ticks, $code) = ($1, $2, $3);
    $out .= fix_plain($before, $dashes);
    $ticks = '``' if $ticks eq '`' && $code =~ /'/;
    $out .= $ticks . $code . $ticks;
  }
  $out .= fix_plain(substr($text, pos($text) // 0), $dashes);
  return $out;
}

(my $folder = $file) =~ s{[^/]*$}{};
$folder =~ s{^\./}{};

sub fix_plain {
  my ($plain, $dashes) = @_;
  $plain =~ s/(?<![-\\\w])--(?=[A-Za-z])/\\--/g if $dashes;
  $plain =~ s{\]\(([\w.-]+\.md)\)}{-f "$folder$1" ? "]($folder$1)" : "]($1)"}ge if $folder ne '';
  return $plain;
}

my $markdown = $file =~ /\.(md|markdown)$/i;
my ($fence_char, $fence_len);
my @pending;  # the lines of a translation's head, read ahead to find its heading
while (my $line = @pending ? shift @pending : <$in>) {
  if ($markdown) {
    if ($. == 1 && !@pending && $line =~ /^<!-- i18n: source=\S+ -->\s*$/) {
      my @head = ("\n");
      while (defined(my $next = <$in>)) {
        push @head, $next;
        last if $next =~ /^# / || @head > 4;
      }
      unshift @head, pop @head if $head[-1] =~ /^# /;
      print fix_text(shift @head, 1);
      @pending = @head;
      next;
    } elsif (defined $fence_char) {
      undef $fence_char if $line =~ /^ {0,3}\Q$fence_char\E{$fence_len,}\s*$/;
      print $line;
    } elsif ($line =~ /^ {0,3}(`{3,}|~{3,})/) {
      ($fence_char, $fence_len) = (substr($1, 0, 1), length $1);
      print $line;
    } else {
      print fix_text($line, $line !~ /^(?: {4}|\t)/);
    }
  } elsif ($line =~ m{^(.*?//[/!]<?)(.*)$}s) {
    print $1, fix_text($2, 1);
  } else {
    print $line;
  }
}
