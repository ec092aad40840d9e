# Evaluate generated Homebrew formulae and casks with the DSL methods defined as recorders.
# Every call a file makes is printed as JSON; `system`, backticks, exec, spawn and friends
# record a "ran" entry instead of running anything, so a test can prove nothing ran.
require "json"

$calls = []

module Kernel
  %i[system exec spawn fork syscall open].each do |name|
    define_method(name) { |*args, **kw| $calls << ["ran", name.to_s, args.map(&:to_s)]; "" }
  end
  define_method(:`) { |cmd| $calls << ["ran", "backtick", [cmd.to_s]]; "" }
end

class Recorder
  def initialize(prefix) = @prefix = prefix
  def /(other) = "#{@prefix}/#{other}"
  def install_symlink(*args) = $calls << ["install_symlink", args.map(&:to_s)]
  def install(*args) = $calls << ["install", args.map(&:to_s)]
end

class Formula
  def self.test(&block) = @test_block = block  # Kernel#test would take it otherwise
  def self.method_missing(name, *args, **kw, &block)
    $calls << [name.to_s, args.map(&:to_s), kw.transform_keys(&:to_s).transform_values(&:to_s)]
  end
  def self.respond_to_missing?(*) = true
  def self.test_block = @test_block
  def libexec = Recorder.new("LIBEXEC")
  def bin = Recorder.new("BIN")
  def system(*args) = $calls << ["formula_system", args.map(&:to_s)]
end

class CaskDSL
  def appdir = "APPDIR"
  def method_missing(name, *args, **kw)
    $calls << [name.to_s, args.map { |a| a.is_a?(Array) ? a.map(&:to_s) : a.to_s },
               kw.transform_keys(&:to_s).transform_values { |v| v.is_a?(Array) ? v.map(&:to_s) : v.to_s }]
  end
  def respond_to_missing?(*) = true
end

def cask(token, &block)
  $calls << ["cask", [token.to_s], {}]
  CaskDSL.new.instance_exec(&block)
end

results = ARGV.map do |path|
  $calls = []
  before = Formula.subclasses
  begin
    RubyVM::InstructionSequence.compile(File.read(path))  # the syntax check of ruby -c
    load(path, true)  # a fresh anonymous module: each file defines its own class
    (Formula.subclasses - before).each do |formula|
      formula.new.install
      formula.new.instance_exec(&formula.test_block) if formula.test_block
      $calls << ["class", [formula.name.to_s], {}]
    end
    { "file" => path, "calls" => $calls }
  rescue SyntaxError, StandardError => e
    { "file" => path, "error" => "#{e.class}: #{e.message}" }
  end
end
puts JSON.generate(results)
